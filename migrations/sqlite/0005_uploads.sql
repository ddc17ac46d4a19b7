-- Bulk uploads of declarations from CSV files, worked by a background job.
-- Same schema as migrations/postgres/0005_uploads.sql.
create table bulk_uploads (
    id integer primary key,
    company_id integer not null references organisations (id),
    uploaded_by integer not null references users (id),
    filename text not null,
    -- The file as uploaded (UTF-8 CSV), kept to list the rejected rows.
    content blob not null,
    -- 'all': nothing is saved unless every parcel is valid;
    -- 'valid': the valid parcels are saved, the others rejected.
    mode text not null check (mode in ('all', 'valid')),
    -- queued -> checking -> saving -> done; or rejected (nothing saved
    -- because of problems) or failed (the server could not finish).
    status text not null check (status in ('queued', 'checking', 'saving', 'done', 'rejected', 'failed')),
    rows_total integer not null default 0,
    rows_checked integer not null default 0,
    parcels_total integer not null default 0,
    parcels_valid integer not null default 0,
    parcels_saved integer not null default 0,
    -- JSON array of [row, column, code], every problem found.
    problems text not null default '[]',
    problem_count integer not null default 0,
    -- Why a failed upload failed (an error code).
    failure text,
    created_at text not null,
    updated_at text not null,
    finished_at text
);
create index bulk_uploads_company on bulk_uploads (company_id, id);
