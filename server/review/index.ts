/** server/review: manual review (人工审批) of applications the automatic decision sent to a person. */
export { ReviewService, type Reviewer, type ReviewResult, type ReviewQueueItem, type ReviewServiceDeps } from './reviewService.js';
