/**
 * Ctrl-C on a coordinator reaches the workers running its jobs as a custom QueueEvents event
 * (BullMQ's own event stream): each worker cancels the job if it holds it (Worker.cancelJob
 * aborts the processor's signal, which stops the stage's child process). Jobs still waiting are
 * simply removed by the coordinator.
 */
export const CANCEL_EVENT = 'pipeline:cancel';
