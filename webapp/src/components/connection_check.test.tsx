import {cleanup, fireEvent, render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {afterEach, describe, expect, it, vi} from 'vitest';

import {json, mockFetch, pending} from '../test/fetch_mock';
import type {HealthReport} from '../types';

import {ConnectionCheck} from './connection_check';

const ROOT = '/plugins/io.missioncollab.m365/api/v1';

function report(overrides: Partial<HealthReport> = {}): HealthReport {
    return {
        checked_at: '2026-11-27T08:00:00Z',
        checks: [
            {id: 'site_url', name: 'Site URL', status: 'pass', detail: 'https://chat.example.com is https.'},
            {id: 'graph_token', name: 'Microsoft Graph sign-in', status: 'fail', detail: 'Entra refused the client secret (AADSTS7000215).', fix: 'Paste the client secret\'s Value into Client Secret.'},
            {id: 'teams_app', name: 'Teams app in the catalog', status: 'skip', detail: 'Needs a Graph sign-in.'},
        ],
        ...overrides,
    };
}

function button(): HTMLButtonElement {
    return screen.getByRole('button', {name: /Check connection|Checking/}) as HTMLButtonElement;
}

afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
});

describe('ConnectionCheck', () => {
    it('runs the check only when asked', () => {
        const api = mockFetch({'GET /health': [() => json(200, report())]}, ROOT);
        render(<ConnectionCheck/>);
        expect(api.calls).toHaveLength(0);
        expect(button().disabled).toBe(false);
    });

    it('shows each check with its outcome in words and the fix', async () => {
        const api = mockFetch({'GET /health': [() => json(200, report())]}, ROOT);
        render(<ConnectionCheck/>);
        fireEvent.click(button());
        await screen.findByText('1 check failed.');
        const failed = document.querySelector('[data-check="graph_token"]');
        expect(failed?.getAttribute('data-status')).toBe('fail');
        expect(failed?.textContent).toContain('Fail');
        expect(failed?.textContent).toContain('Fix: Paste the client secret');
        expect(document.querySelector('[data-check="site_url"]')?.textContent).toContain('Pass');
        expect(document.querySelector('[data-check="teams_app"]')?.textContent).toContain('Skipped');
        expect(api.callsTo('GET', '/health')[0].credentials).toBe('same-origin');
    });

    it('says when everything passed or only warned', async () => {
        mockFetch({'GET /health': [
            () => json(200, report({checks: [{id: 'a', name: 'A', status: 'pass', detail: 'ok'}]})),
            () => json(200, report({checks: [{id: 'a', name: 'A', status: 'warn', detail: 'soon', fix: 'Renew it.'}]})),
        ]}, ROOT);
        render(<ConnectionCheck/>);
        fireEvent.click(button());
        await screen.findByText('Connected: every check passed.');
        fireEvent.click(button());
        await screen.findByText('Connected, with 1 warning.');
    });

    it('is busy while the check runs', async () => {
        mockFetch({'GET /health': [pending]}, ROOT);
        render(<ConnectionCheck/>);
        fireEvent.click(button());
        await waitFor(() => expect(button().textContent).toBe('Checking…'));
        expect(button().disabled).toBe(true);
    });

    it('shows the refusal from the server', async () => {
        mockFetch({'GET /health': [() => json(403, {error: 'Only system admins can do this.'})]}, ROOT);
        render(<ConnectionCheck/>);
        fireEvent.click(button());
        await screen.findByText('Only system admins can do this.');
    });
});

describe('Send me a test notification', () => {
    function testButton(): HTMLButtonElement {
        return screen.getByRole('button', {name: /Send me a test notification|Sending/}) as HTMLButtonElement;
    }

    it('sends only when asked and says it was sent', async () => {
        const api = mockFetch({'POST /notifications/test': [() => json(200, {sent: true, message: 'Sent: Microsoft Graph accepted it.'})]}, ROOT);
        render(<ConnectionCheck/>);
        expect(api.calls).toHaveLength(0);
        fireEvent.click(testButton());
        const said = await screen.findByText('Sent: Microsoft Graph accepted it.');
        expect(said.closest('[data-test-notification]')?.getAttribute('data-test-notification')).toBe('sent');
        expect(api.calls).toHaveLength(1);
    });

    it('says why a test was not sent', async () => {
        mockFetch({'POST /notifications/test': [() => json(200, {sent: false, message: 'Not sent: the Teams app is not in the tenant\'s app catalog.'})]}, ROOT);
        render(<ConnectionCheck/>);
        fireEvent.click(testButton());
        const said = await screen.findByText(/Not sent: the Teams app/);
        expect(said.closest('[data-test-notification]')?.getAttribute('data-test-notification')).toBe('not-sent');
    });

    it('shows the server\'s refusal', async () => {
        mockFetch({'POST /notifications/test': [() => json(403, {error: 'Only system admins can do this.'})]}, ROOT);
        render(<ConnectionCheck/>);
        fireEvent.click(testButton());
        await screen.findByText('Only system admins can do this.');
        await waitFor(() => expect(testButton().disabled).toBe(false));
    });
});
