import { DEFAULT_CONTEXT, DEFAULT_K, MAX_T, type PassContext, STRATEGIES } from './pass.js';

/** A value a pass option cannot take: the message names the flag and what it accepts. */
export class PassOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PassOptionError';
  }
}

/**
 * A pass option: the command-line flag that sets one field of the PassContext. Each pass lists the
 * options it reads (Pass.options); `compile`, `verify` and `opt` register every pass's, and
 * `spikec opt --pass X --help` shows X's.
 */
export interface PassOption {
  /** As commander takes it: '--K <n>', or '--no-NAME' for a field that is true unless the flag is given. */
  readonly flag: string;
  /** The field of the PassContext it sets. */
  readonly field: keyof PassContext;
  readonly help: string;
  /** The command-line text as the field's value; throws PassOptionError. Absent for a '--no-' flag. */
  readonly parse?: (text: string) => PassContext[keyof PassContext];
}

const integer =
  (flag: string, min: number, max: number) =>
  (text: string): number => {
    const n = text.trim() === '' ? Number.NaN : Number(text);
    if (!(Number.isInteger(n) && n >= min && n <= max))
      throw new PassOptionError(`${flag} must be an integer from ${min} to ${max}, not '${text}'`);
    return n;
  };

const oneOf =
  <T extends string>(flag: string, choices: readonly T[]) =>
  (text: string): T => {
    if (!(choices as readonly string[]).includes(text))
      throw new PassOptionError(`${flag} must be ${choices.join(' or ')}, not '${text}'`);
    return text as T;
  };

export const T_OPTION: PassOption = {
  flag: '--T <steps>',
  field: 'T',
  help: `time steps each spiking layer integrates (1 to ${MAX_T})`,
  parse: integer('--T', 1, MAX_T),
};
export const STRATEGY_OPTION: PassOption = {
  flag: '--strategy <s>',
  field: 'strategy',
  help: `neuron strategy for activations (${STRATEGIES.join(', ')})`,
  parse: (text) => {
    if (!(STRATEGIES as readonly string[]).includes(text))
      throw new PassOptionError(`unknown strategy '${text}' (known: ${STRATEGIES.join(', ')})`);
    return text;
  },
};
export const K_OPTION: PassOption = {
  flag: '--K <n>',
  field: 'K',
  help:
    'ramps per activation for the pwl strategy (default: ' +
    `${DEFAULT_K.rate} with rate coding; with sigma-delta, as many as spend 2 operations per ANN MAC, ` +
    `scaled from ${DEFAULT_K['sigma-delta']})`,
  parse: integer('--K', 1, 256),
};
export const PERCENTILE_OPTION: PassOption = {
  flag: '--percentile <p>',
  field: 'percentile',
  help: "clipping range: a percentile of the calibration data, or 'max'",
  parse: (text) => {
    const p = text === 'max' ? 'max' : Number(text);
    if (p !== 'max' && !(p > 50 && p <= 100))
      throw new PassOptionError(`--percentile must be in (50, 100] or 'max', not '${text}'`);
    return p;
  },
};
export const BALANCE_OPTION: PassOption = {
  flag: '--balance <mode>',
  field: 'balance',
  help: 'threshold balancing per channel or layer',
  parse: oneOf('--balance', ['channel', 'layer']),
};
export const RESET_OPTION: PassOption = {
  flag: '--reset <mode>',
  field: 'reset',
  help: 'reset by subtraction or to zero',
  parse: oneOf('--reset', ['subtract', 'zero']),
};
export const WEIGHT_CALIBRATION_OPTION: PassOption = {
  flag: '--no-weight-calibration',
  field: 'calibrateWeights',
  help: 'skip the least-squares weight calibration',
};
export const STAGGER_OPTION: PassOption = {
  flag: '--stagger <M>',
  field: 'stagger',
  help: 'copies of each neuron feeding a readout, windows opening θ/M apart (1: none)',
  parse: integer('--stagger', 1, 64),
};
export const FINETUNE_STEPS_OPTION: PassOption = {
  flag: '--finetune-steps <n>',
  field: 'finetuneSteps',
  help: 'Adam steps fitting the whole network to the ANN (0: none)',
  parse: integer('--finetune-steps', 0, 1_000_000),
};
export const SD_THRESHOLD_OPTION: PassOption = {
  flag: '--sd-threshold <fraction>',
  field: 'sdThreshold',
  help: "sigma-delta: each population's threshold as a fraction of its value range",
  parse: (text) => {
    const n = text.trim() === '' ? Number.NaN : Number(text);
    if (!(n > 0 && n < 1)) throw new PassOptionError(`--sd-threshold must be a number between 0 and 1, not '${text}'`);
    return n;
  },
};

/** The commander attribute a flag sets: '--finetune-steps <n>' -> finetuneSteps, '--no-x-y' -> xY. */
export function attributeOf(option: PassOption): string {
  const name = option.flag.split(/\s/)[0].replace(/^--(no-)?/, '');
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** An option's default: the default context's value of its field. */
export const defaultOf = (option: PassOption): PassContext[keyof PassContext] => DEFAULT_CONTEXT[option.field];
