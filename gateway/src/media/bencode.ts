/**
 * Bencode, the encoding of rtpengine's "ng" control protocol: integers `i42e`, byte strings
 * `4:spam`, lists `l...e` and dictionaries `d...e` with keys sorted by their raw bytes. Strings are
 * read as UTF-8 text: everything rtpengine sends back (SDP, tags, addresses) is text.
 */

export type BencodeValue = string | number | BencodeValue[] | BencodeDictionary;
export interface BencodeDictionary {
  [key: string]: BencodeValue;
}

/** Input that is not bencode, or a value bencode cannot carry. */
export class BencodeError extends Error {
  /** Byte offset in the input where decoding stopped (-1 when encoding). */
  readonly offset: number;

  constructor(message: string, offset = -1) {
    super(offset >= 0 ? `${message} at byte ${offset}` : message);
    this.name = 'BencodeError';
    this.offset = offset;
  }
}

const encodeInto = (value: BencodeValue | undefined | null | boolean, parts: Buffer[]): void => {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    parts.push(Buffer.from(`${bytes.length}:`, 'ascii'), bytes);
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BencodeError(`bencode carries integers only, not ${value}`);
    parts.push(Buffer.from(`i${value}e`, 'ascii'));
    return;
  }
  if (Array.isArray(value)) {
    parts.push(Buffer.from('l', 'ascii'));
    for (const item of value) encodeInto(item, parts);
    parts.push(Buffer.from('e', 'ascii'));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    // Keys sorted as raw bytes (the spec's order); undefined values are left out, as in JSON.
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [Buffer.from(key, 'utf8'), item] as const)
      .sort(([a], [b]) => Buffer.compare(a, b));
    parts.push(Buffer.from('d', 'ascii'));
    for (const [key, item] of entries) {
      parts.push(Buffer.from(`${key.length}:`, 'ascii'), key);
      encodeInto(item, parts);
    }
    parts.push(Buffer.from('e', 'ascii'));
    return;
  }
  throw new BencodeError(`bencode cannot carry ${value === null ? 'null' : typeof value}`);
};

export const encode = (value: BencodeValue): Buffer => {
  const parts: Buffer[] = [];
  encodeInto(value, parts);
  return Buffer.concat(parts);
};

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const COLON = 0x3a;
const E = 0x65;

class Reader {
  readonly #bytes: Buffer;
  offset: number;

  constructor(bytes: Buffer, offset: number) {
    this.#bytes = bytes;
    this.offset = offset;
  }

  value(depth: number): BencodeValue {
    if (depth > 64) throw new BencodeError('nested too deeply', this.offset);
    const lead = this.#bytes[this.offset];
    if (lead === undefined) throw new BencodeError('unexpected end of input', this.offset);
    if (lead === 0x69 /* i */) return this.#integer();
    if (lead === 0x6c /* l */) {
      this.offset += 1;
      const list: BencodeValue[] = [];
      while (this.#peek() !== E) list.push(this.value(depth + 1));
      this.offset += 1;
      return list;
    }
    if (lead === 0x64 /* d */) {
      this.offset += 1;
      const dictionary: BencodeDictionary = {};
      while (this.#peek() !== E) {
        const keyAt = this.offset;
        const key = this.value(depth + 1);
        if (typeof key !== 'string') throw new BencodeError('dictionary key is not a string', keyAt);
        Object.defineProperty(dictionary, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      }
      this.offset += 1;
      return dictionary;
    }
    if (lead >= DIGIT_0 && lead <= DIGIT_9) return this.#string();
    throw new BencodeError(`unexpected byte '${String.fromCharCode(lead)}'`, this.offset);
  }

  #peek(): number {
    const byte = this.#bytes[this.offset];
    if (byte === undefined) throw new BencodeError('unexpected end of input', this.offset);
    return byte;
  }

  #integer(): BencodeValue {
    const start = this.offset;
    const end = this.#bytes.indexOf(E, start + 1);
    if (end < 0) throw new BencodeError('unterminated integer', start);
    const text = this.#bytes.toString('ascii', start + 1, end);
    if (!/^(0|-?[1-9]\d*)$/.test(text)) throw new BencodeError(`malformed integer '${text}'`, start);
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new BencodeError(`integer ${text} is out of range`, start);
    this.offset = end + 1;
    return value;
  }

  #string(): string {
    const start = this.offset;
    const colon = this.#bytes.indexOf(COLON, start);
    if (colon < 0) throw new BencodeError('string length without a colon', start);
    const text = this.#bytes.toString('ascii', start, colon);
    if (!/^(0|[1-9]\d*)$/.test(text)) throw new BencodeError(`malformed string length '${text}'`, start);
    const length = Number(text);
    const end = colon + 1 + length;
    if (end > this.#bytes.length) throw new BencodeError(`string of ${length} bytes runs past the end`, start);
    this.offset = end;
    return this.#bytes.toString('utf8', colon + 1, end);
  }
}

/** Decodes one value that fills the whole input. */
export const decode = (input: Buffer | string): BencodeValue => {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const reader = new Reader(bytes, 0);
  const value = reader.value(0);
  if (reader.offset !== bytes.length) throw new BencodeError('trailing bytes after the value', reader.offset);
  return value;
};

export const isDictionary = (value: BencodeValue | undefined): value is BencodeDictionary => typeof value === 'object' && value !== null && !Array.isArray(value);
