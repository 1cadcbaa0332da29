import { DataCorruptedError } from '@mlops/contracts/errors';

/** One parsed CSV record: field values (`null` for an unquoted empty field) and the line it starts on. */
export interface CsvRecord {
  fields: (string | null)[];
  line: number;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * Incremental RFC 4180 parser: feed text in arbitrary chunks with `push`, get back complete
 * records. Handles quoted fields with embedded delimiters, newlines and doubled quotes, CRLF and
 * LF line ends, and a missing final newline. Quoted empty fields are empty strings; unquoted
 * empty fields are `null`.
 */
export class CsvParser {
  private readonly delimiter: number;
  private field = '';
  private fields: (string | null)[] = [];
  private inQuotes = false;
  private quoted = false;
  // A quote seen inside quotes: either an escaped quote (next char is a quote) or the closing one.
  private pendingQuote = false;
  private afterCr = false;
  private line = 1;
  private recordLine = 1;
  private started = false;

  constructor(delimiter = ',') {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new DataCorruptedError(`CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}.`);
    }
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Parses `text` and returns the records it completed. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const d = this.delimiter;
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.afterCr) {
        this.afterCr = false;
        if (c === LF) {
          i++;
          continue;
        }
      }
      if (this.inQuotes) {
        if (this.pendingQuote) {
          this.pendingQuote = false;
          if (c === QUOTE) {
            this.field += '"';
            i++;
            continue;
          }
          this.inQuotes = false;
          // fall through: c is the character after the closing quote
        } else {
          // Fast path: copy everything up to the next quote in one slice.
          const q = text.indexOf('"', i);
          const end = q === -1 ? n : q;
          const chunk = text.slice(i, end);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === LF) this.line++;
          this.field += chunk;
          i = end;
          if (q !== -1) {
            this.pendingQuote = true;
            i++;
          }
          continue;
        }
      }
      if (c === d) {
        this.endField();
        i++;
      } else if (c === LF || c === CR) {
        this.endField();
        out.push(this.endRecord());
        this.line++;
        this.recordLine = this.line;
        if (c === CR) this.afterCr = true;
        i++;
      } else if (c === QUOTE && this.field.length === 0 && !this.quoted) {
        this.inQuotes = true;
        this.quoted = true;
        this.started = true;
        i++;
      } else if (this.quoted) {
        throw new DataCorruptedError(
          `CSV line ${this.line}: unexpected character ${JSON.stringify(text[i])} after a closing quote; expected a delimiter or end of line. Quote the whole field and double any quotes inside it ("say ""hi""").`,
          { details: { line: this.line } },
        );
      } else {
        // Fast path: copy the rest of an unquoted field in one slice.
        let j = i + 1;
        while (j < n) {
          const cj = text.charCodeAt(j);
          if (cj === d || cj === LF || cj === CR) break;
          j++;
        }
        this.field += text.slice(i, j);
        this.started = true;
        i = j;
      }
    }
    return out;
  }

  /** Flushes the last record (when the input does not end with a newline) and checks for an unterminated quote. */
  end(): CsvRecord[] {
    if (this.inQuotes && !this.pendingQuote) {
      throw new DataCorruptedError(`CSV line ${this.recordLine}: a quoted field is never closed (the input ended inside quotes). Close the quote or double quotes inside the field.`, {
        details: { line: this.recordLine },
      });
    }
    this.inQuotes = false;
    this.pendingQuote = false;
    if (this.started || this.fields.length > 0) {
      this.endField();
      return [this.endRecord()];
    }
    return [];
  }

  private endField(): void {
    this.fields.push(this.quoted ? this.field : this.field.length === 0 ? null : this.field);
    this.field = '';
    this.quoted = false;
    this.started = true;
  }

  private endRecord(): CsvRecord {
    const record = { fields: this.fields, line: this.recordLine };
    this.fields = [];
    this.started = false;
    return record;
  }
}
