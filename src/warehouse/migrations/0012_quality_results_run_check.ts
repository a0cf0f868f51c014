/**
 * `quality_results` names its run through statement-level triggers instead of a foreign key (issue 14's cost).
 *
 * A run of 500 tickers stores about 8,500 verdicts in one INSERT. The foreign key to `quality_runs` checked each
 * row on its own (one locking lookup per row): about 120 ms of the insert's 210 on PGlite, the largest single part
 * of what the checks add to a daily run (docs/benchmarks.md "Data quality"). The same rule, checked once per
 * statement over the rows it wrote, costs a few milliseconds:
 *
 * - an INSERT or UPDATE whose verdicts name a run that `quality_runs` does not have is refused with SQLSTATE
 *   23503 (`foreign_key_violation`), as the foreign key refused it;
 * - deleting runs deletes their verdicts (the key's `on delete cascade`).
 *
 * Changing a run's `run_id` is not guarded (the key had no `on update`, so it refused one with verdicts); nothing
 * in marketlake updates it.
 *
 * Frozen once released.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table quality_results drop constraint quality_results_run_id_fkey`.execute(db);
  await sql`
    create function quality_results_name_their_runs() returns trigger language plpgsql as $body$
    begin
      if exists (
        select from (select distinct run_id from written_verdicts) as written
        where not exists (select from quality_runs where quality_runs.run_id = written.run_id)
      ) then
        raise exception 'quality_results: a verdict names a run that quality_runs does not have'
          using errcode = 'foreign_key_violation';
      end if;
      return null;
    end
    $body$`.execute(db);
  // A trigger with a transition table takes one event, so inserts and updates have one each.
  for (const event of ['insert', 'update'] as const) {
    await sql`
      create trigger ${sql.raw(`quality_results_${event}_names_run`)} after ${sql.raw(event)} on quality_results
      referencing new table as written_verdicts
      for each statement execute function quality_results_name_their_runs()`.execute(db);
  }
  await sql`
    create function quality_runs_delete_their_verdicts() returns trigger language plpgsql as $body$
    begin
      delete from quality_results where run_id in (select run_id from deleted_runs);
      return null;
    end
    $body$`.execute(db);
  await sql`
    create trigger quality_runs_delete_cascades after delete on quality_runs
    referencing old table as deleted_runs
    for each statement execute function quality_runs_delete_their_verdicts()`.execute(db);
}

async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger quality_runs_delete_cascades on quality_runs`.execute(db);
  await sql`drop function quality_runs_delete_their_verdicts()`.execute(db);
  await sql`drop trigger quality_results_insert_names_run on quality_results`.execute(db);
  await sql`drop trigger quality_results_update_names_run on quality_results`.execute(db);
  await sql`drop function quality_results_name_their_runs()`.execute(db);
  await sql`
    alter table quality_results add constraint quality_results_run_id_fkey
    foreign key (run_id) references quality_runs (run_id) on delete cascade`.execute(db);
}

export const migration0012QualityResultsRunCheck: Migration = { up, down };
