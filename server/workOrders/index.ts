/** server/workOrders: work orders (工单) — numbering, business-hours deadlines, states, notes, deadline jobs, staff notices. */
export { WorkOrderService, type WorkOrderActor, type NewWorkOrder, type WorkOrderView, type WorkOrderNoteView, type WorkOrderFilters, type BorrowerWorkOrder, type WorkOrderServiceDeps } from './workOrderService.js';
export { WORK_ORDER_STATES, checkTransition, refusalText, type WorkOrderState } from './workOrderStates.js';
export { nextWorkOrderNumber, formatWorkOrderNumber, parseWorkOrderNumber, numberDay } from './workOrderNumber.js';
export { WORK_ORDER_WARN_JOB, WORK_ORDER_ESCALATE_JOB, workOrderDeadlineHandler, deadlineJobKey, type DeadlineJobPayload } from './deadlineJobs.js';
export { postNotice, listNotices, markNoticesRead, type StaffNoticeView } from './staffNotices.js';
