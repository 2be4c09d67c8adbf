/** `vbs job show|wait`: the VBS jobs behind backups, restores and deletes. */
import type { Command } from 'commander';
import { followJob, jobFailure, jobPath, type JobView } from '../../client/waiting.js';
import { CLIENT_GROUP, clientAction, clientCommand, type ClientContext } from './common.js';

/** Follows a job with a progress display; a failed job is thrown with its code and reason. */
export async function awaitJob(ctx: ClientContext, jobId: string, label: string): Promise<JobView> {
  const display = ctx.progress(label);
  let job: JobView;
  try {
    job = await followJob(ctx.session, jobId, display);
  } finally {
    display.stop();
  }
  if (job.status !== 'SUCCESS') throw jobFailure(job);
  return job;
}

export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('jobs of the VBS API (backup, restore, delete)').helpGroup(CLIENT_GROUP);
  clientAction(clientCommand(job, 'show <job>', 'show a job: status, entities, error code and reason'), async (ctx, [jobId]) => {
    ctx.record({ ...(await ctx.session.request<JobView>('GET', 'jobs', jobPath(jobId))) });
  });
  clientAction(clientCommand(job, 'wait <job>', 'wait for a job to end, with its progress; exit status 0 only if it succeeded'), async (ctx, [jobId]) => {
    const done = await awaitJob(ctx, jobId, `job ${jobId}`);
    ctx.record({ ...done });
  });
}
