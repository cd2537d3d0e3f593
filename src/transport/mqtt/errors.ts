// The MQTT transport's operating errors: one typed class with a stable code per failure, plus
// the broker's MQTT v5 reason code when it sent one.

/** Why an MQTT operation failed; stable codes for the layer above to count and map. */
export type MqttTransportErrorCode =
  | "ConnectFailed"
  | "SubscribeRefused"
  | "PublishRefused"
  | "PublishFailed"
  | "PublishTimeout"
  | "PublishQueueFull"
  | "PublishTooLarge"
  | "Closed";

/**
 * An MQTT operating error. `reasonCode` is the broker's MQTT v5 reason code when it sent one
 * (e.g. 135 Not authorized in a PUBACK, SUBACK or CONNACK).
 * Example: `catch (e) { if (e instanceof MqttTransportError && e.code === "PublishTimeout") … }`.
 */
export class MqttTransportError extends Error {
  override readonly name = "MqttTransportError";
  readonly code: MqttTransportErrorCode;
  readonly reasonCode: number | undefined;

  constructor(code: MqttTransportErrorCode, message: string, options: { cause?: unknown; reasonCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.reasonCode = options.reasonCode;
  }
}

/**
 * The Closed error every call on a closed client gets.
 * Example: `mqttClosedError().code` -> "Closed".
 */
export function mqttClosedError(): MqttTransportError {
  return new MqttTransportError("Closed", "the MQTT client is closed");
}

/**
 * The numeric MQTT reason code mqtt.js attaches to an error (`ErrorWithReasonCode.code`), if any.
 * Example: `mqttReasonCode(Object.assign(new Error("x"), { code: 135 }))` -> 135.
 */
export function mqttReasonCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}
