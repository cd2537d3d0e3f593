// The live progress line of a load run: one line on stderr rewritten in place (or plain lines
// when stderr is not a terminal), at most a few times per second.

/** Progress reporting for one run. */
export class Progress {
  #last = 0;
  readonly #tty = process.stderr.isTTY === true;

  /** Shows `text` if enough time passed since the previous update (or `force`). */
  update(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.#last < (this.#tty ? 250 : 5_000)) return;
    this.#last = now;
    process.stderr.write(this.#tty ? `\r\x1b[2K${text}` : `${text}\n`);
  }

  /** Ends the line. */
  done(text: string): void {
    process.stderr.write(this.#tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }
}
