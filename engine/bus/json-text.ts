/**
 * JSON text as some clients write it: .NET and PowerShell tools often start a UTF-8 file or body
 * with a byte order mark, which RFC 8259 lets a parser ignore. Everything that reads events
 * (POST /events, `preview --event`, `diff` samples) parses through this.
 */
export function parseJsonText(text: string): unknown {
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}
