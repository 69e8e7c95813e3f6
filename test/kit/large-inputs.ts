/**
 * Inputs of the sizes real applications send by mistake or by design — a pasted book, a scraped
 * page without spaces, a base64 blob — for the tests that hold every entry point to a 200.
 */

/** About 4 MB (UTF-8) of each kind of text that has broken tokenizers: words, no spaces, CJK, emoji, base64. */
export function fourMegabyteTexts(): Record<string, string> {
  return {
    words: 'the quick brown fox jumps over the lazy dog '.repeat(93_000),
    'no spaces': 'abcdefghij'.repeat(400_000),
    CJK: '机器学习是人工智能的一个分支'.repeat(95_000),
    emoji: '🚀🔥👍😀'.repeat(250_000),
    base64: base64Blob(3_000_000),
  };
}

/** A query of about 1 MB: words, so every part of it is tokenizable. */
export function oneMegabyteQuery(): string {
  return 'what is machine learning and how does it work '.repeat(22_000);
}

/** `bytes` pseudo-random bytes as base64 (about 4/3 as many characters). */
export function base64Blob(bytes: number): string {
  const data = new Uint8Array(bytes);
  for (let index = 0; index < bytes; index++) data[index] = (index * 7919 + (index >> 8)) % 251;
  let binary = '';
  for (let index = 0; index < bytes; index += 8192) binary += String.fromCharCode(...data.subarray(index, index + 8192));
  return btoa(binary);
}
