export * from './errors';
export * from './notation';
export * from './schema';
export * from './codegen';
export * from './schemas/open-vswitch';
