import { randomBytes, randomInt } from 'node:crypto'

/** A new run id: 32 lower-case hex characters, like MLflow's `uuid4().hex`. */
export function newRunId(): string {
  return randomBytes(16).toString('hex')
}

/** A new MLflow 3 logged-model id: `m-` and 32 hex characters. */
export function newLoggedModelId(): string {
  return `m-${randomBytes(16).toString('hex')}`
}

/** A new internal id (datasets). */
export function newDatasetId(): string {
  return randomBytes(16).toString('hex')
}

const ADJECTIVES = [
  'amazing',
  'bold',
  'brave',
  'bright',
  'calm',
  'capable',
  'clever',
  'crisp',
  'daring',
  'eager',
  'fearless',
  'gentle',
  'glamorous',
  'honest',
  'keen',
  'kindly',
  'lively',
  'loud',
  'lucky',
  'merciful',
  'nimble',
  'polite',
  'quick',
  'quiet',
  'rare',
  'resilient',
  'sassy',
  'silent',
  'skillful',
  'smiling',
  'stylish',
  'sunny',
  'swift',
  'tasteful',
  'thoughtful',
  'tranquil',
  'upbeat',
  'vaunted',
  'wise',
  'zealous',
]
const NOUNS = [
  'ant',
  'bass',
  'bat',
  'bear',
  'bee',
  'carp',
  'cat',
  'colt',
  'crab',
  'crane',
  'deer',
  'dove',
  'eel',
  'finch',
  'fox',
  'frog',
  'goat',
  'gull',
  'hare',
  'hawk',
  'hen',
  'horse',
  'ibis',
  'jay',
  'koi',
  'lamb',
  'lark',
  'lynx',
  'mink',
  'mole',
  'moth',
  'newt',
  'owl',
  'ox',
  'panda',
  'pig',
  'ram',
  'seal',
  'shark',
  'slug',
  'snail',
  'squid',
  'stag',
  'swan',
  'toad',
  'trout',
  'vole',
  'whale',
  'wolf',
  'yak',
]

/** A readable random run name such as `bold-fox-417`, used when a run is created without one. */
export function randomRunName(): string {
  const pick = (words: string[]) => words[randomInt(words.length)] ?? 'run'
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1000)}`
}
