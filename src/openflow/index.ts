export * from './errors';
export * from './reader';
export * from './writer';
export * from './types';
export * from './header';
export * from './framer';
export * from './dispatch';
