/** Lock tokens: unique per acquisition, cheap to make. */
import { randomBytes } from 'node:crypto';

/**
 * @internal 128 random bits per instance plus a counter: unique across clients without
 * a call into the CSPRNG for every acquisition. Tokens identify a holder; they are not
 * secrets (anyone who can read the key can read the token).
 */
export class TokenSource {
  readonly #prefix = randomBytes(16).toString('base64url');
  #counter = 0;

  next(): string {
    this.#counter++;
    return `${this.#prefix}.${this.#counter.toString(36)}`;
  }
}
