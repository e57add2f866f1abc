import React, {useCallback, useEffect, useRef, useState} from 'react';

import {ApiError, fetchPackage, fetchStatus} from '../api';
import {saveFile} from '../save_file';
import type {AdminConsoleSettingProps, CatalogView, SaveAction, SettingProblem, TeamsAppStatus} from '../types';

import {IconUploader} from './icon_uploader';

const IDS = {
    heading: 'missioncollab-m365-teams-app-package-heading',
    note: 'missioncollab-m365-teams-app-package-note',
    problems: 'missioncollab-m365-teams-app-package-problems',
};

const FALLBACK_FILE_NAME = 'teams-app.zip';

const ICON_LABELS = {
    color: 'Color icon: square PNG, at least 192×192; scaled to 192×192',
    outline: 'Outline icon: square PNG with a transparent background, at least 192×192; made white and scaled to 32×32',
};

const sectionStyle: React.CSSProperties = {
    padding: '16px 0',
};

const noteStyle: React.CSSProperties = {
    marginTop: 8,
    fontSize: 12,
    opacity: 0.72,
};

const errorStyle: React.CSSProperties = {
    color: '#d24b4e',
};

type Failure = {
    message: string;
    problems: SettingProblem[];
};

function failureOf(err: unknown): Failure {
    if (err instanceof ApiError) {
        return {message: err.message, problems: err.problems};
    }
    return {message: err instanceof Error ? err.message : 'Something went wrong.', problems: []};
}

// What each state of the catalog means, in a sentence, and whether the
// catalog needs the package built now.
function catalogSentence(c: CatalogView, version?: string): {text: string; behind: boolean} {
    switch (c.state) {
    case 'current':
        return {text: `Teams has version ${c.version}, the package built from the saved settings and icons.`, behind: false};
    case 'unrecorded':
        return {text: `Teams has version ${c.version}, uploaded by hand: whether it holds the saved settings and icons is not known.`, behind: false};
    case 'changed':
        return {text: `Teams has version ${c.version}, built from other settings or icons: upload the package again with a higher Application Version.`, behind: true};
    case 'older':
        return {text: `Teams has version ${c.version}; the settings say ${version ?? ''}.`, behind: true};
    case 'newer':
        return {text: `Teams has version ${c.version}, higher than the settings' ${version ?? ''}: raise Application Version above it.`, behind: true};
    default:
        return {text: 'The app is not in your tenant\'s Teams app catalog yet.', behind: true};
    }
}

function CatalogStatus({catalog, version}: {catalog: CatalogView; version?: string}) {
    if (catalog.error) {
        return <p data-catalog-state='unknown'>{`The Teams app catalog could not be read: ${catalog.error}`}</p>;
    }
    const {text, behind} = catalogSentence(catalog, version);
    return (
        <div data-catalog-state={catalog.state}>
            <p style={behind ? errorStyle : undefined}>{text}</p>
            {behind && catalog.command && (
                <p>
                    {'To publish it from a terminal: '}
                    <code>{catalog.command}</code>
                </p>
            )}
        </div>
    );
}

function ProblemList({problems, id}: {problems: SettingProblem[]; id?: string}) {
    if (problems.length === 0) {
        return null;
    }
    return (
        <ul id={id}>
            {problems.map((problem, i) => (
                <li key={`${problem.setting}-${i}`}>{problem.message}</li>
            ))}
        </ul>
    );
}

// Status of the saved settings, fetched on mount and on refresh(); a later
// refresh wins over an earlier one that answers late.
function usePackageStatus() {
    const [status, setStatus] = useState<TeamsAppStatus | null>(null);
    const [error, setError] = useState<string | null>(null);
    const [checking, setChecking] = useState(true);
    const latest = useRef(0);

    const refresh = useCallback(async () => {
        const call = ++latest.current;
        setChecking(true);
        try {
            const next = await fetchStatus();
            if (call === latest.current) {
                setStatus(next);
                setError(null);
            }
        } catch (err) {
            if (call === latest.current) {
                setStatus(null);
                setError(failureOf(err).message);
            }
        } finally {
            if (call === latest.current) {
                setChecking(false);
            }
        }
    }, []);

    useEffect(() => {
        refresh();
        return () => {
            // Drop answers that arrive after unmount.
            latest.current++;
        };
    }, [refresh]);

    return {status, error, checking, refresh};
}

// System Console block for the Teams app package: download the ZIP built from
// the saved settings, and manage the two app icons that go into it.
export function TeamsAppPackageSection(props: AdminConsoleSettingProps) {
    const {registerSaveAction, unRegisterSaveAction, disabled} = props;
    const {status, error: statusError, checking, refresh} = usePackageStatus();
    const [downloading, setDownloading] = useState(false);
    const [downloadError, setDownloadError] = useState<Failure | null>(null);
    const mounted = useRef(true);
    useEffect(() => {
        mounted.current = true;
        return () => {
            mounted.current = false;
        };
    }, []);

    // The System Console tells no custom setting about unsaved edits, but it
    // runs registered save actions once the config is saved: check again then.
    useEffect(() => {
        if (!registerSaveAction) {
            return undefined;
        }
        const afterSave: SaveAction = async () => {
            setDownloadError(null);
            refresh();
            return {};
        };
        registerSaveAction(afterSave);
        return () => unRegisterSaveAction?.(afterSave);
    }, [registerSaveAction, unRegisterSaveAction, refresh]);

    async function download() {
        setDownloading(true);
        setDownloadError(null);
        try {
            const file = await fetchPackage();
            saveFile(file.blob, file.fileName || status?.fileName || FALLBACK_FILE_NAME);
        } catch (err) {
            if (mounted.current) {
                setDownloadError(failureOf(err));
            }
        } finally {
            if (mounted.current) {
                setDownloading(false);
            }
        }
    }

    const ready = Boolean(status?.ready) && !statusError;
    const notReady = status !== null && !status.ready && !statusError;
    const describedBy = notReady ? `${IDS.note} ${IDS.problems}` : IDS.note;

    return (
        <section
            aria-labelledby={IDS.heading}
            style={sectionStyle}
        >
            <h3 id={IDS.heading}>{'Teams app package'}</h3>
            <p>
                {'Download the Teams app package (a ZIP file) and upload it in the Teams admin center ' +
                    'under Teams apps > Manage apps > Upload new app.'}
            </p>
            <button
                type='button'
                className='btn btn-secondary'
                disabled={!ready || downloading}
                aria-busy={downloading}
                aria-describedby={describedBy}
                onClick={download}
            >
                {'Download Manifest'}
            </button>
            <p
                id={IDS.note}
                style={noteStyle}
            >
                {'The package uses the saved settings.'}
            </p>
            {ready && status?.catalog && (
                <CatalogStatus
                    catalog={status.catalog}
                    version={status.version}
                />
            )}
            {checking && status === null && !statusError && <p role='status'>{'Checking settings…'}</p>}
            {statusError && (
                <p
                    role='alert'
                    style={errorStyle}
                >
                    {`The settings could not be checked: ${statusError}`}
                </p>
            )}
            {notReady && (
                <div id={IDS.problems}>
                    <p>{'The package cannot be built until these saved settings are fixed:'}</p>
                    <ProblemList problems={status.problems}/>
                </div>
            )}
            {downloadError && (
                <div
                    role='alert'
                    style={errorStyle}
                >
                    <p>{downloadError.message}</p>
                    <ProblemList problems={downloadError.problems}/>
                </div>
            )}
            <IconUploader
                kind='color'
                label={ICON_LABELS.color}
                custom={status?.icons?.color?.custom}
                disabled={disabled}
                onChanged={refresh}
            />
            <IconUploader
                kind='outline'
                label={ICON_LABELS.outline}
                custom={status?.icons?.outline?.custom}
                disabled={disabled}
                onChanged={refresh}
            />
        </section>
    );
}

export default TeamsAppPackageSection;
