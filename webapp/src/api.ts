// Typed calls to the plugin's Teams app API. Requests go to the same origin
// with the session cookie; writes also carry Mattermost's CSRF token.
import {pluginId} from './manifest';
import type {ApiErrorBody, HealthReport, IconKind, IconState, ReachView, SettingProblem, TeamsAppStatus, TestNotificationResult} from './types';

// The server refuses icons over 1 MiB; checked here too to spare the upload.
export const MAX_ICON_BYTES = 1 << 20;

export function pluginApiRoot(): string {
    return `${window.basename || ''}/plugins/${pluginId}/api/v1`;
}

export function apiBase(): string {
    return `${pluginApiRoot()}/teams-app`;
}

// An error response, or no response at all (status 0).
export class ApiError extends Error {
    public readonly status: number;
    public readonly problems: SettingProblem[];

    constructor(message: string, status: number, problems: SettingProblem[] = []) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.problems = problems;
    }
}

export function readCookie(name: string): string {
    for (const part of document.cookie.split(';')) {
        const eq = part.indexOf('=');
        if (eq !== -1 && part.slice(0, eq).trim() === name) {
            return decodeURIComponent(part.slice(eq + 1).trim());
        }
    }
    return '';
}

async function request(path: string, init: RequestInit = {}, base = apiBase()): Promise<Response> {
    const method = (init.method || 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    headers.set('X-Requested-With', 'XMLHttpRequest');
    if (method !== 'GET' && method !== 'HEAD') {
        const csrf = readCookie('MMCSRF');
        if (csrf) {
            headers.set('X-CSRF-Token', csrf);
        }
    }

    let response: Response;
    try {
        response = await fetch(base + path, {...init, method, headers, credentials: 'same-origin'});
    } catch {
        throw new ApiError('The server could not be reached. Check the connection and try again.', 0);
    }
    if (!response.ok) {
        throw await errorFrom(response);
    }
    return response;
}

async function errorFrom(response: Response): Promise<ApiError> {
    let body: (ApiErrorBody & {message?: unknown}) | null = null;
    try {
        body = await response.json();
    } catch {
        // Not JSON, e.g. a proxy's error page.
    }

    // Mattermost's own errors (plugin off, for instance) use "message".
    let message = `The request failed (HTTP ${response.status}).`;
    if (body && typeof body.error === 'string' && body.error) {
        message = body.error;
    } else if (body && typeof body.message === 'string' && body.message) {
        message = body.message;
    }
    const problems = Array.isArray(body?.problems) ? body.problems : [];
    return new ApiError(message, response.status, problems);
}

export async function fetchStatus(): Promise<TeamsAppStatus> {
    const response = await request('/status');
    return response.json();
}

export type PackageFile = {
    blob: Blob;

    // From Content-Disposition; null when the header names no file.
    fileName: string | null;
};

export async function fetchPackage(): Promise<PackageFile> {
    const response = await request('/package');
    const blob = await response.blob();
    return {blob, fileName: fileNameFromDisposition(response.headers.get('Content-Disposition'))};
}

// The file name of a Content-Disposition header: filename*=UTF-8''… (RFC
// 6266/5987) wins over filename=, quoted or not.
export function fileNameFromDisposition(header: string | null): string | null {
    if (!header) {
        return null;
    }

    const extended = (/filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i).exec(header);
    if (extended) {
        try {
            const name = decodeURIComponent(extended[2].trim());
            if (name) {
                return name;
            }
        } catch {
            // Malformed percent-encoding: fall back to filename=.
        }
    }

    const quoted = (/filename\s*=\s*"((?:[^"\\]|\\.)*)"/i).exec(header);
    if (quoted) {
        return quoted[1].replace(/\\(.)/g, '$1') || null;
    }

    const plain = (/filename\s*=\s*([^;\s]+)/i).exec(header);
    return plain ? plain[1] : null;
}

export function iconUrl(kind: IconKind, version?: number): string {
    const url = `${apiBase()}/icons/${kind}`;
    return version ? `${url}?v=${version}` : url;
}

export async function uploadIcon(kind: IconKind, file: Blob): Promise<IconState> {
    const response = await request(`/icons/${kind}`, {
        method: 'PUT',
        headers: {'Content-Type': 'image/png'},
        body: file,
    });
    return response.json();
}

export async function removeIcon(kind: IconKind): Promise<IconState> {
    const response = await request(`/icons/${kind}`, {method: 'DELETE'});
    return response.json();
}

// Runs the connection check on the server with the saved settings.
export async function fetchHealth(): Promise<HealthReport> {
    const response = await request('/health', {}, pluginApiRoot());
    return response.json();
}

// Sends the signed-in admin a test notification through the queue and
// Graph, and says what happened.
export async function sendTestNotification(): Promise<TestNotificationResult> {
    const response = await request('/notifications/test', {method: 'POST'}, pluginApiRoot());
    return response.json();
}

// The job that links people who never opened the app, and its last run.
export async function fetchReach(): Promise<ReachView> {
    const response = await request('/reach', {}, pluginApiRoot());
    return response.json();
}

// Asks for a run over every account now.
export async function startReach(): Promise<ReachView> {
    const response = await request('/reach/run', {method: 'POST'}, pluginApiRoot());
    return response.json();
}
