/** RFC 4180 CSV: every field quoted when it holds a comma, quote, CR or LF; quotes doubled. */
// '+' or '-' followed only by digits is a phone number or a count, not a formula.
const FORMULA_START = /^[=@\t\r]|^[+-](?!\d+$)/;

export const csvField = (value: string | number | boolean | null): string => {
  if (value === null) return '';
  let text = String(value);
  // A cell starting with = + - @ is run as a formula by spreadsheets: prefix it so it stays text.
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export const toCsv = (header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>): string =>
  [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
