// Frames are pre-encoded CloudEvent messages shared by every stream they go to. grpc-js frames
// a message with Buffer#copy, so a plain Uint8Array is wrapped once per frame, never per stream.

/**
 * `frame` as a Buffer over the same memory: the frame itself when it already is one, else a
 * view (no copy). Called once per delivered frame, before fanout.
 * Example: `asBufferView(new Uint8Array([1, 2])).buffer` is the original ArrayBuffer.
 */
export function asBufferView(frame: Uint8Array): Buffer {
  if (frame instanceof Buffer) return frame;
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}
