import React, {useCallback, useRef, useState} from 'react';

import {ApiError, fetchHealth, sendTestNotification} from '../api';
import type {AdminConsoleSettingProps, HealthCheck, HealthReport, HealthStatus, TestNotificationResult} from '../types';

const IDS = {
    heading: 'missioncollab-m365-connection-check-heading',
    results: 'missioncollab-m365-connection-check-results',
};

// Words, not only colours, say each outcome.
const LABELS: Record<HealthStatus, {text: string; color: string}> = {
    pass: {text: 'Pass', color: '#06d6a0'},
    warn: {text: 'Warning', color: '#c79e00'},
    fail: {text: 'Fail', color: '#d24b4e'},
    skip: {text: 'Skipped', color: '#8a8a8a'},
};

const sectionStyle: React.CSSProperties = {padding: '16px 0'};
const noteStyle: React.CSSProperties = {marginTop: 8, fontSize: 12, opacity: 0.72};
const listStyle: React.CSSProperties = {listStyle: 'none', padding: 0, marginTop: 12};
const itemStyle: React.CSSProperties = {marginBottom: 10};

function CheckItem({check}: {check: HealthCheck}) {
    const label = LABELS[check.status] ?? LABELS.skip;
    return (
        <li
            style={itemStyle}
            data-check={check.id}
            data-status={check.status}
        >
            <strong style={{color: label.color}}>{label.text}</strong>{' '}
            <strong>{check.name}</strong>{': '}{check.detail}
            {check.fix && <div>{'Fix: '}{check.fix}</div>}
        </li>
    );
}

function summary(report: HealthReport): string {
    const failed = report.checks.filter((c) => c.status === 'fail').length;
    const warned = report.checks.filter((c) => c.status === 'warn').length;
    if (failed) {
        return `${failed} ${failed === 1 ? 'check failed' : 'checks failed'}.`;
    }
    if (warned) {
        return `Connected, with ${warned} ${warned === 1 ? 'warning' : 'warnings'}.`;
    }
    return 'Connected: every check passed.';
}

// useRequest runs a call on demand and keeps its latest answer or error;
// an answer to an older call than the latest is dropped.
function useRequest<T>(call: () => Promise<T>, failure: string) {
    const [result, setResult] = useState<T | null>(null);
    const [error, setError] = useState<string | null>(null);
    const [busy, setBusy] = useState(false);
    const latest = useRef(0);

    const run = useCallback(async () => {
        const n = ++latest.current;
        setBusy(true);
        setError(null);
        try {
            const next = await call();
            if (n === latest.current) {
                setResult(next);
            }
        } catch (err) {
            if (n === latest.current) {
                setResult(null);
                setError(err instanceof ApiError || err instanceof Error ? err.message : failure);
            }
        } finally {
            if (n === latest.current) {
                setBusy(false);
            }
        }
    }, [call, failure]);

    return {result, error, busy, run};
}

// "Send me a test notification": one real notification to the admin,
// through the same queue and Graph call as every other, and what became
// of it.
function TestNotification({disabled}: {disabled?: boolean}) {
    const {result, error, busy: sending, run: send} = useRequest<TestNotificationResult>(sendTestNotification, 'The test could not be sent.');

    return (
        <div style={{marginTop: 16}}>
            <button
                type='button'
                className='btn btn-tertiary'
                onClick={send}
                disabled={sending || disabled}
            >
                {sending ? 'Sending…' : 'Send me a test notification'}
            </button>
            <p style={noteStyle}>{'Goes to your own Teams activity feed; your account must be linked (open Mattermost in Teams once).'}</p>
            <div
                role='status'
                aria-live='polite'
                data-test-notification={result ? (result.sent ? 'sent' : 'not-sent') : undefined}
            >
                {error && <p style={{color: LABELS.fail.color}}>{error}</p>}
                {result && <p style={{color: result.sent ? LABELS.pass.color : LABELS.warn.color}}>{result.message}</p>}
            </div>
        </div>
    );
}

// The System Console's "Check connection" button and its results.
export function ConnectionCheck(props: AdminConsoleSettingProps) {
    const {result: report, error, busy: checking, run} = useRequest<HealthReport>(fetchHealth, 'The check could not run.');

    return (
        <section
            style={sectionStyle}
            aria-labelledby={IDS.heading}
        >
            <h4 id={IDS.heading}>{'Connection to Microsoft 365'}</h4>
            <button
                type='button'
                className='btn btn-tertiary'
                onClick={run}
                disabled={checking || props.disabled}
            >
                {checking ? 'Checking…' : 'Check connection'}
            </button>
            <p style={noteStyle}>{'Checks the saved settings: press Save first after changing them.'}</p>
            <div
                role='status'
                aria-live='polite'
            >
                {error && <p style={{color: LABELS.fail.color}}>{error}</p>}
                {report && <p>{summary(report)}</p>}
            </div>
            {report && (
                <ul
                    id={IDS.results}
                    style={listStyle}
                >
                    {report.checks.map((check) => (
                        <CheckItem
                            key={check.id}
                            check={check}
                        />
                    ))}
                </ul>
            )}
            <TestNotification disabled={props.disabled}/>
        </section>
    );
}
