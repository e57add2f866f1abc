import {cleanup, fireEvent, render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {afterEach, describe, expect, it, vi} from 'vitest';

import {json, mockFetch} from '../test/fetch_mock';
import type {ReachRun, ReachView} from '../types';

import {ReachPanel} from './reach_panel';

const ROOT = '/plugins/io.missioncollab.m365/api/v1';

function run(overrides: Partial<ReachRun> = {}): ReachRun {
    return {
        id: 'r1', kind: 'everyone', trigger: '@admin', started_at: 1_796_115_600_000, finished_at: 1_796_115_660_000,
        accounts: 12, linked: {'notify: directory email': 4, 'notify: auth data': 1}, already_linked: 2,
        installed: 4, already_installed: 1,
        skipped: {'the directory\'s person with this email is a guest': 1, 'more than one person in the directory has this email': 2},
        failed: {'the Teams app could not be installed: 404': 1},
        examples: {'the directory\'s person with this email is a guest': ['gina'], 'more than one person in the directory has this email': ['ops']},
        ...overrides,
    };
}

function view(overrides: Partial<ReachView> = {}): ReachView {
    return {on: true, status: {}, ...overrides};
}

function button(): HTMLButtonElement {
    return screen.getByRole('button', {name: /Link and install|Running/}) as HTMLButtonElement;
}

afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.unstubAllGlobals();
});

describe('ReachPanel', () => {
    it('says which setting to turn on, and offers no run, while it is off', async () => {
        mockFetch({'GET /reach': [() => json(200, view({on: false, off: 'Turn on "Notify people who never opened the app" and save.'}))]}, ROOT);
        render(<ReachPanel/>);
        await screen.findByText(/Turn on "Notify people who never opened the app"/);
        expect(button().disabled).toBe(true);
    });

    it('shows the last run: linked, installed, and each reason with a few accounts', async () => {
        mockFetch({'GET /reach': [() => json(200, view({status: {last: run()}}))]}, ROOT);
        render(<ReachPanel/>);
        await screen.findByText(/12 accounts read: 5 linked for notifications, 2 linked before/);
        const last = document.querySelector('[data-reach-run="last"]');
        expect(last?.getAttribute('data-installed')).toBe('5');
        expect(last?.textContent).toContain('started by @admin');
        const guest = document.querySelector('[data-reach-list="skipped"] [data-reason="the directory\'s person with this email is a guest"]');
        expect(guest?.textContent).toBe('1 × the directory\'s person with this email is a guest (@gina)');
        const twins = document.querySelector('[data-reach-list="skipped"] [data-reason="more than one person in the directory has this email"]');
        expect(twins?.textContent).toContain('(@ops, …)');
        expect(document.querySelector('[data-reach-list="failed"]')?.textContent).toContain('1 × the Teams app could not be installed: 404');
        expect(button().disabled).toBe(false);
    });

    it('starts a run and follows it until it ends', async () => {
        const api = mockFetch({
            'GET /reach': [
                () => json(200, view()),
                () => json(200, view({status: {current: run({finished_at: undefined, accounts: 200})}})),
                () => json(200, view({status: {last: run()}})),
            ],
            'POST /reach/run': [() => json(200, view({requested: {at: 1, by: '@admin'}}))],
        }, ROOT);
        render(<ReachPanel/>);
        await waitFor(() => expect(button().disabled).toBe(false));
        vi.useFakeTimers({shouldAdvanceTime: true});
        fireEvent.click(button());
        await screen.findByText('Starting, as @admin asked…');
        expect(button().disabled).toBe(true);
        expect(api.callsTo('POST', '/reach/run')[0].headers.get('X-Requested-With')).toBe('XMLHttpRequest');
        await vi.advanceTimersByTimeAsync(3000);
        await screen.findByText(/Running since/);
        await vi.advanceTimersByTimeAsync(3000);
        await screen.findByText(/Last run:/);
        expect(button().disabled).toBe(false);
    });

    it('shows why a run stopped and why a start was refused', async () => {
        mockFetch({
            'GET /reach': [() => json(200, view({status: {last: run({error: 'look people up in the directory: User.Read.All lacks admin consent'})}}))],
            'POST /reach/run': [() => json(409, {error: 'Teams notifications are off or not set up.'})],
        }, ROOT);
        render(<ReachPanel/>);
        await screen.findByText(/User.Read.All lacks admin consent/);
        fireEvent.click(button());
        await screen.findByText('Teams notifications are off or not set up.');
    });
});
