// The naming rule for references (docs/api.md): 1–64 letters, digits, `_ - . space`.

const NAME_PATTERN = /^[\p{L}\p{N}_\-. ]+$/u;
export const MAX_REFERENCE_NAME = 64;

/** A sentence saying what is wrong with `name`, or null when it is acceptable. */
export function referenceNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter a name.';
  if ([...trimmed].length > MAX_REFERENCE_NAME) return `Keep it to ${MAX_REFERENCE_NAME} characters.`;
  if (!NAME_PATTERN.test(trimmed)) return 'Use letters, digits, spaces and _ - . only.';
  return null;
}

/** A file name like "Settings tile (1).png" → "Settings tile 1", a usable default name. */
export function nameFromFile(fileName: string): string {
  return fileName
    .replace(/\.[^.]+$/, '')
    .replace(/[^\p{L}\p{N}_\-. ]+/gu, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, MAX_REFERENCE_NAME);
}
