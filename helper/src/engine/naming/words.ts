// The two word lists of random container names (adjective_surname). Berth's own lists: adjectives a
// person would not mind being called, and scientists, mathematicians and engineers whose surnames are
// single lowercase words. Both only [a-z], so every pair is a valid container name.

export const ADJECTIVES: readonly string[] = [
  'agile', 'amber', 'ardent', 'balmy', 'blithe', 'bold', 'brave', 'breezy', 'bright', 'calm',
  'candid', 'cheerful', 'clever', 'cosmic', 'crisp', 'curious', 'daring', 'dazzling', 'deft', 'eager',
  'earnest', 'gentle', 'gleaming', 'glad', 'golden', 'graceful', 'hardy', 'hearty', 'honest', 'humble',
  'jolly', 'jovial', 'keen', 'kind', 'lively', 'lucid', 'lucky', 'mellow', 'merry', 'mighty',
  'nimble', 'noble', 'patient', 'placid', 'plucky', 'polished', 'quick', 'quiet', 'radiant', 'rapid',
  'serene', 'sharp', 'shiny', 'snappy', 'spirited', 'steady', 'sturdy', 'sunny', 'swift', 'tidy',
  'tranquil', 'upbeat', 'valiant', 'vibrant', 'vivid', 'witty', 'zealous', 'zesty',
];

export const SURNAMES: readonly string[] = [
  'ampere', 'archimedes', 'babbage', 'bardeen', 'boole', 'brattain', 'brunel', 'cajal', 'carver', 'cerf',
  'chandrasekhar', 'cray', 'curie', 'darwin', 'diesel', 'dijkstra', 'edison', 'eiffel', 'einstein', 'euler',
  'faraday', 'fermi', 'feynman', 'fourier', 'franklin', 'galileo', 'gauss', 'goodall', 'hamming', 'hawking',
  'heisenberg', 'hertz', 'hilbert', 'hopper', 'hubble', 'huygens', 'jemison', 'joule', 'kepler', 'kernighan',
  'knuth', 'kovalevskaya', 'lamarr', 'lamport', 'liskov', 'lovelace', 'marconi', 'maxwell', 'meitner', 'mendel',
  'mendeleev', 'mirzakhani', 'newton', 'noether', 'ohm', 'pascal', 'pasteur', 'planck', 'ramanujan', 'ritchie',
  'salk', 'shannon', 'somerville', 'tesla', 'thompson', 'turing', 'volta', 'watt', 'wu', 'yalow',
];
