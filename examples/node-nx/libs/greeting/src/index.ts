export function greet(who: string): string {
  return `Welcome to ${who}!`;
}
