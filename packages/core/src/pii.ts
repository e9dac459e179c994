/** A piece of personal data or a secret found in text: what kind, where (1-based), a masked sample. */
export interface PiiFinding {
  kind: 'email' | 'phone' | 'card-number' | 'national-id' | 'secret';
  line: number;
  column: number;
  /** The match with most characters masked, safe to print in a CI log. */
  masked: string;
}

/** Luhn checksum: real card numbers pass it, most random digit runs do not. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

interface Detector {
  kind: PiiFinding['kind'];
  pattern: RegExp;
  accept?: (match: string) => boolean;
}

const detectors: Detector[] = [
  { kind: 'email', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  {
    kind: 'card-number',
    pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
    accept: (match) => passesLuhn(match.replace(/\D/g, '')),
  },
  // US SSN (not 000/666/9xx area), UK National Insurance number.
  { kind: 'national-id', pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { kind: 'national-id', pattern: /\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g },
  // Phone numbers: international (+country …), North American ((415) 555-0132, 415 555 0132) or
  // national with a trunk 0 (020 7946 0958, 07700 900123); other digit groups are too often
  // order numbers or amounts.
  {
    kind: 'phone',
    pattern:
      /(?:\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?)(?:[ .-]?\d{2,4}){2,4}|\(\d{3}\) ?\d{3}[ .-]\d{4}|\b\d{3}[ .-]\d{3}[ .-]\d{4}|\b0\d{2,4} \d{3,4} ?\d{3,4})\b/g,
    accept: (match) => match.replace(/\D/g, '').length >= 9,
  },
  {
    kind: 'secret',
    pattern:
      /\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|alk_[A-Za-z0-9_-]{32})\b/g,
  },
];

function mask(match: string): string {
  if (match.length <= 6) return '*'.repeat(match.length);
  return `${match.slice(0, 2)}${'*'.repeat(match.length - 4)}${match.slice(-2)}`;
}

/**
 * Scans text line by line for personal data and secrets (seed 004: "no PII in eval cases").
 * A span claimed by one detector is not reported again by another (a card number is not also a phone).
 */
export function findPii(text: string): PiiFinding[] {
  const findings: PiiFinding[] = [];
  const lines = text.split('\n');
  lines.forEach((lineText, index) => {
    const claimed: [number, number][] = [];
    for (const detector of detectors) {
      for (const match of lineText.matchAll(detector.pattern)) {
        const start = match.index ?? 0;
        const end = start + match[0].length;
        if (claimed.some(([from, to]) => start < to && end > from)) continue;
        if (detector.accept && !detector.accept(match[0])) continue;
        claimed.push([start, end]);
        findings.push({ kind: detector.kind, line: index + 1, column: start + 1, masked: mask(match[0]) });
      }
    }
  });
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}
