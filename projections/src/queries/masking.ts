/** Shows only the first character of each part of a name: 'Grace Hopper' -> 'G**** H*****'. */
export const maskCallerName = (name: string): string =>
  name
    .split(/(\s+)/)
    .map((part) => {
      if (part.trim() === '') return part;
      const characters = Array.from(part);
      return (characters[0] ?? '') + '*'.repeat(characters.length - 1);
    })
    .join('');
