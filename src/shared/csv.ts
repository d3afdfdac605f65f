/**
 * Spreadsheet formula injection: a cell that starts with = + - @ (or a tab / carriage return) is
 * evaluated by Excel, LibreOffice and Google Sheets. Names, ids and notes come from partners and
 * connectors, so every CSV the platform writes passes its text cells through here. A plain number
 * ("-12.50", "+3") is left as it is, so amounts stay numbers.
 */
export function csvCell(value: string): string;
export function csvCell(value: string | null | undefined): string | null | undefined;
export function csvCell(value: string | null | undefined): string | null | undefined {
  if (!value || !/^[=+\-@\t\r]/.test(value) || /^[-+]?\d+(\.\d+)?$/.test(value)) return value;
  return `'${value}`;
}
