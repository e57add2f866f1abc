// A fetch stand-in for component tests: answers by "METHOD path" (path below
// the API base, without query) and records every call.
import {vi} from 'vitest';

import type {TeamsAppStatus} from '../types';

export type RecordedCall = {
    url: string;
    method: string;
    headers: Headers;
    body: unknown;
    credentials?: RequestCredentials;
};

type Answer = () => Response | Promise<Response>;

export const API = '/plugins/io.missioncollab.m365/api/v1/teams-app';

export function json(status: number, body: unknown): Response {
    return new Response(JSON.stringify(body), {status, headers: {'Content-Type': 'application/json'}});
}

export function readyStatus(overrides: Partial<TeamsAppStatus> = {}): TeamsAppStatus {
    return {
        ready: true,
        fileName: 'mattermost-1.0.0.zip',
        problems: [],
        icons: {color: {custom: false}, outline: {custom: false}},
        ...overrides,
    };
}

// A request that never answers, to look at the page while it waits.
export function pending(): Promise<Response> {
    return new Promise<Response>(() => undefined);
}

// routes: "GET /status" → answers used in turn; the last one repeats.
export function mockFetch(routes: Record<string, Answer[]>, base = API) {
    const calls: RecordedCall[] = [];
    const used: Record<string, number> = {};
    const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
        const url = String(input);
        const method = (init.method || 'GET').toUpperCase();
        calls.push({url, method, headers: new Headers(init.headers), body: init.body, credentials: init.credentials});

        const path = url.startsWith(base) ? url.slice(base.length).split('?')[0] : url;
        const key = `${method} ${path}`;
        const answers = routes[key];
        if (!answers || answers.length === 0) {
            throw new Error(`unexpected request ${key} (${url})`);
        }
        const i = Math.min(used[key] ?? 0, answers.length - 1);
        used[key] = (used[key] ?? 0) + 1;
        return answers[i]();
    });
    vi.stubGlobal('fetch', fetchMock);

    return {
        calls,
        fetchMock,
        callsTo(method: string, path: string) {
            return calls.filter((c) => c.method === method && c.url.split('?')[0] === base + path);
        },
    };
}
