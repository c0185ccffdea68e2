export * from './errors';
export * from './reader';
export * from './writer';
