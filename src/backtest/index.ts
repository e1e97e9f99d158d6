export * from './backtest.js';
export { activeRules, storedHistory } from './history.js';
