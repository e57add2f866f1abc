import React, {useCallback, useEffect, useRef, useState} from 'react';

import {ApiError, fetchReach, startReach} from '../api';
import type {AdminConsoleSettingProps, ReachRun, ReachView} from '../types';

const IDS = {heading: 'missioncollab-m365-reach-heading'};

// How often the panel reads the job's progress while a run is under way.
export const POLL_MS = 3000;

const sectionStyle: React.CSSProperties = {padding: '16px 0'};
const noteStyle: React.CSSProperties = {marginTop: 8, fontSize: 12, opacity: 0.72};
const failColor = '#d24b4e';

function sum(m?: Record<string, number>): number {
    return Object.values(m ?? {}).reduce((a, b) => a + b, 0);
}

function when(ms: number): string {
    return new Date(ms).toLocaleString();
}

function Reasons({title, counts, examples, kind}: {title: string; counts?: Record<string, number>; examples?: Record<string, string[]>; kind: string}) {
    const entries = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1]);
    if (!entries.length) {
        return null;
    }
    return (
        <div>
            <strong>{title}</strong>
            <ul data-reach-list={kind}>
                {entries.map(([reason, n]) => (
                    <li
                        key={reason}
                        data-reason={reason}
                    >
                        {`${n} × ${reason}`}
                        {examples?.[reason]?.length ? ` (${examples[reason].map((u) => '@' + u).join(', ')}${n > examples[reason].length ? ', …' : ''})` : ''}
                    </li>
                ))}
            </ul>
        </div>
    );
}

function RunSummary({run, current}: {run: ReachRun; current: boolean}) {
    const linked = sum(run.linked);
    return (
        <div
            data-reach-run={current ? 'current' : 'last'}
            data-linked={linked}
            data-installed={run.installed + run.already_installed}
        >
            <p>
                {current ? `Running since ${when(run.started_at)}` : `Last run: ${when(run.started_at)} to ${when(run.finished_at ?? run.started_at)}`}
                {`, ${run.kind === 'everyone' ? 'every account' : 'new accounts'}, started by ${run.trigger}.`}
            </p>
            <p>
                {`${run.accounts} accounts read: ${linked} linked for notifications, ${run.already_linked} linked before; `}
                {`the app installed for ${run.installed}, ${run.already_installed} had it already; `}
                {`${sum(run.skipped)} skipped, ${sum(run.failed)} failed.`}
            </p>
            {run.error && <p style={{color: failColor}}>{'Stopped: '}{run.error}</p>}
            <Reasons
                title='Skipped'
                kind='skipped'
                counts={run.skipped}
                examples={run.examples}
            />
            <Reasons
                title='Failed'
                kind='failed'
                counts={run.failed}
                examples={run.examples}
            />
        </div>
    );
}

// The System Console's panel for linking people who never opened the app:
// the button that starts a run over everyone, and the job's progress.
export function ReachPanel(props: AdminConsoleSettingProps) {
    const [view, setView] = useState<ReachView | null>(null);
    const [error, setError] = useState<string | null>(null);
    const [starting, setStarting] = useState(false);
    const mounted = useRef(true);

    const load = useCallback(async () => {
        try {
            const next = await fetchReach();
            if (mounted.current) {
                setView(next);
                setError(null);
            }
        } catch (err) {
            if (mounted.current) {
                setError(err instanceof ApiError ? err.message : 'The progress could not be read.');
            }
        }
    }, []);

    useEffect(() => {
        mounted.current = true;
        load();
        return () => {
            mounted.current = false;
        };
    }, [load]);

    const busy = Boolean(view?.status.current || view?.requested);
    useEffect(() => {
        if (!busy) {
            return undefined;
        }
        const timer = window.setInterval(load, POLL_MS);
        return () => window.clearInterval(timer);
    }, [busy, load]);

    const start = async () => {
        setStarting(true);
        try {
            const next = await startReach();
            if (mounted.current) {
                setView(next);
                setError(null);
            }
        } catch (err) {
            if (mounted.current) {
                setError(err instanceof ApiError ? err.message : 'The run could not be started.');
            }
        } finally {
            if (mounted.current) {
                setStarting(false);
            }
        }
    };

    return (
        <section
            style={sectionStyle}
            aria-labelledby={IDS.heading}
        >
            <h4 id={IDS.heading}>{'Reach people who never opened the app'}</h4>
            <button
                type='button'
                className='btn btn-tertiary'
                onClick={start}
                disabled={props.disabled || starting || busy || !view?.on}
            >
                {busy ? 'Running…' : 'Link and install for everyone now'}
            </button>
            <p style={noteStyle}>
                {'Links, for notifications only, each person who can be identified safely and installs the Teams app for them. Later runs are daily and a few seconds after an account is created. A person removes their link with /m365 unlink.'}
            </p>
            <div
                role='status'
                aria-live='polite'
            >
                {error && <p style={{color: failColor}}>{error}</p>}
                {view && !view.on && <p data-reach-off=''>{view.off}</p>}
                {view?.requested && !view.status.current && <p>{`Starting, as ${view.requested.by} asked…`}</p>}
            </div>
            {view?.status.current && (
                <RunSummary
                    run={view.status.current}
                    current={true}
                />
            )}
            {view?.status.last && (
                <RunSummary
                    run={view.status.last}
                    current={false}
                />
            )}
        </section>
    );
}
