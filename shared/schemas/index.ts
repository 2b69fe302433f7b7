export * from './common.js';
export * from './consent.js';
export * from './conversation.js';
export * from './customer.js';
export * from './identity.js';
export * from './inbound-message.js';
export * from './interaction.js';
