export { background, backgroundServices, BACKGROUND_TOPIC, type BackgroundRouter } from '../src/index.js'
export interface GossipSubLike { getTopics: () => string[], topicValidators: Map<string, unknown> }
