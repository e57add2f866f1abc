import React, {useEffect, useRef, useState} from 'react';

import {ApiError, MAX_ICON_BYTES, iconUrl, removeIcon, uploadIcon} from '../api';
import type {IconKind} from '../types';

type Props = {
    kind: IconKind;

    // Names the icon and what the server does with it.
    label: string;

    // Whether an uploaded icon replaces the default; undefined while unknown.
    custom?: boolean;
    disabled?: boolean;

    // Called after an upload or removal went through.
    onChanged: () => void;
};

const groupStyle: React.CSSProperties = {
    marginTop: 16,
};

const previewStyle: React.CSSProperties = {
    display: 'block',
    width: 64,
    height: 64,
    margin: '8px 0',
    objectFit: 'contain',
    background: '#888',
    border: '1px solid rgba(0, 0, 0, 0.16)',
};

const errorStyle: React.CSSProperties = {
    color: '#d24b4e',
};

function describeSize(bytes: number): string {
    return `${(bytes / MAX_ICON_BYTES).toFixed(1)} MiB`;
}

function messageOf(err: unknown): string {
    if (err instanceof ApiError || err instanceof Error) {
        return err.message;
    }
    return 'Something went wrong.';
}

// Shows the icon that goes into the Teams app package and lets the admin
// replace it with a PNG or go back to the default.
export function IconUploader({kind, label, custom, disabled, onChanged}: Props) {
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState<string | null>(null);

    // Bumped after each change so the preview skips the browser cache.
    const [version, setVersion] = useState(0);
    const mounted = useRef(true);
    useEffect(() => {
        mounted.current = true;
        return () => {
            mounted.current = false;
        };
    }, []);

    const ids = {
        label: `missioncollab-m365-icon-${kind}-label`,
        input: `missioncollab-m365-icon-${kind}-input`,
        error: `missioncollab-m365-icon-${kind}-error`,
    };

    async function run(action: () => Promise<unknown>) {
        setBusy(true);
        setError(null);
        try {
            await action();
            if (!mounted.current) {
                return;
            }
            setVersion(Date.now());
            onChanged();
        } catch (err) {
            if (mounted.current) {
                setError(messageOf(err));
            }
        } finally {
            if (mounted.current) {
                setBusy(false);
            }
        }
    }

    function handleFile(event: React.ChangeEvent<HTMLInputElement>) {
        const input = event.currentTarget;
        const file = input.files?.[0];

        // Let the same file be chosen again, e.g. after fixing it.
        input.value = '';
        if (!file) {
            return;
        }
        if (file.size > MAX_ICON_BYTES) {
            setError(`The file is ${describeSize(file.size)}; the icon must be at most 1 MiB.`);
            return;
        }
        run(() => uploadIcon(kind, file));
    }

    return (
        <div
            role='group'
            aria-labelledby={ids.label}
            style={groupStyle}
        >
            <label
                id={ids.label}
                htmlFor={ids.input}
            >
                {label}
            </label>
            <img
                src={iconUrl(kind, version)}
                alt={`Current ${kind} icon`}
                width={64}
                height={64}
                style={previewStyle}
            />
            {custom !== undefined && (
                <p>{custom ? 'Using the uploaded icon.' : 'Using the default icon.'}</p>
            )}
            <input
                id={ids.input}
                type='file'
                accept='image/png'
                disabled={disabled || busy}
                aria-describedby={error ? ids.error : undefined}
                onChange={handleFile}
            />
            {custom && (
                <button
                    type='button'
                    className='btn btn-tertiary'
                    aria-label={`Remove ${kind} icon`}
                    disabled={disabled || busy}
                    onClick={() => run(() => removeIcon(kind))}
                    style={{marginLeft: 8}}
                >
                    {'Remove'}
                </button>
            )}
            <span
                role='status'
                style={{marginLeft: 8}}
            >
                {busy ? 'Saving…' : ''}
            </span>
            {error && (
                <p
                    id={ids.error}
                    role='alert'
                    style={errorStyle}
                >
                    {error}
                </p>
            )}
        </div>
    );
}

export default IconUploader;
