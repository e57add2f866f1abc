import {cleanup, fireEvent, render, screen, waitFor, within} from '@testing-library/react';
import React from 'react';
import {afterEach, describe, expect, it, vi} from 'vitest';

import {MAX_ICON_BYTES} from '../api';
import {API, json, mockFetch, readyStatus} from '../test/fetch_mock';

import {IconUploader} from './icon_uploader';
import {TeamsAppPackageSection} from './teams_app_package_section';

const COLOR_LABEL = 'Color icon: square PNG, at least 192×192; scaled to 192×192';
const OUTLINE_LABEL = 'Outline icon: square PNG with a transparent background, at least 192×192; made white and scaled to 32×32';

function png(name = 'icon.png', bytes = 8): File {
    return new File([new Uint8Array(bytes)], name, {type: 'image/png'});
}

function group(label: string): HTMLElement {
    return screen.getByRole('group', {name: label});
}

function fileInput(label: string): HTMLInputElement {
    // The label names the input; the group around it borrows the same label.
    return screen.getByLabelText(label, {selector: 'input'}) as HTMLInputElement;
}

function choose(input: HTMLElement, file: File) {
    fireEvent.change(input, {target: {files: [file]}});
}

describe('IconUploader in the Teams app package section', () => {
    afterEach(() => {
        cleanup();
        document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
        delete window.basename;
    });

    it('shows both uploaders with labelled PNG inputs and previews of the current icons', async () => {
        mockFetch({'GET /status': [() => json(200, readyStatus())]});
        render(<TeamsAppPackageSection/>);

        for (const [kind, label] of [['color', COLOR_LABEL], ['outline', OUTLINE_LABEL]]) {
            const input = fileInput(label);
            expect(input.type).toBe('file');
            expect(input.accept).toBe('image/png');
            const preview = within(group(label)).getByRole('img');
            expect(preview.getAttribute('src')).toBe(`${API}/icons/${kind}`);
        }
        await screen.findAllByText('Using the default icon.');
    });

    it('uploads the chosen PNG with the CSRF token, then refreshes the status and the preview', async () => {
        document.cookie = 'other=1';
        document.cookie = 'MMCSRF=tok';
        const api = mockFetch({
            'GET /status': [
                () => json(200, readyStatus()),
                () => json(200, readyStatus({icons: {color: {custom: true}, outline: {custom: false}}})),
            ],
            'PUT /icons/color': [() => json(200, {custom: true})],
        });
        render(<TeamsAppPackageSection/>);
        await screen.findAllByText('Using the default icon.');
        const color = group(COLOR_LABEL);
        expect(within(color).queryByRole('button', {name: /Remove/})).toBeNull();

        const file = png();
        choose(fileInput(COLOR_LABEL), file);

        await within(color).findByRole('button', {name: 'Remove color icon'});
        const [put] = api.callsTo('PUT', '/icons/color');
        expect(put.url).toBe(`${API}/icons/color`);
        expect(put.body).toBe(file);
        expect(put.headers.get('Content-Type')).toBe('image/png');
        expect(put.headers.get('X-CSRF-Token')).toBe('tok');
        expect(put.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
        expect(api.callsTo('GET', '/status')).toHaveLength(2);

        const src = within(color).getByRole('img').getAttribute('src') ?? '';
        expect(src).toMatch(new RegExp(`^${API}/icons/color\\?v=\\d+$`));
        expect(within(color).getByText('Using the uploaded icon.')).toBeTruthy();

        // The other uploader is untouched.
        expect(within(group(OUTLINE_LABEL)).getByRole('img').getAttribute('src')).toBe(`${API}/icons/outline`);
        expect(screen.queryByRole('alert')).toBeNull();
    });

    it('shows the server message inline when the upload is refused', async () => {
        const message = 'The color icon was refused: the image is 300×200 pixels; it must be square.';
        const api = mockFetch({
            'GET /status': [() => json(200, readyStatus())],
            'PUT /icons/color': [() => json(400, {error: message})],
        });
        render(<TeamsAppPackageSection/>);
        await screen.findAllByText('Using the default icon.');

        choose(fileInput(COLOR_LABEL), png('wide.png'));

        const alert = await within(group(COLOR_LABEL)).findByRole('alert');
        expect(alert.textContent).toBe(message);
        expect(within(group(OUTLINE_LABEL)).queryByRole('alert')).toBeNull();
        expect(api.callsTo('GET', '/status')).toHaveLength(1);
        expect(within(group(COLOR_LABEL)).getByRole('img').getAttribute('src')).toBe(`${API}/icons/color`);

        // The input is usable again for another try.
        expect(fileInput(COLOR_LABEL).disabled).toBe(false);
    });

    it('refuses a file over 1 MiB without sending it', async () => {
        const api = mockFetch({'GET /status': [() => json(200, readyStatus())]});
        render(<TeamsAppPackageSection/>);
        await screen.findAllByText('Using the default icon.');

        choose(fileInput(OUTLINE_LABEL), png('huge.png', MAX_ICON_BYTES + 1));

        const alert = await within(group(OUTLINE_LABEL)).findByRole('alert');
        expect(alert.textContent).toContain('at most 1 MiB');
        expect(api.calls.filter((c) => c.method !== 'GET')).toHaveLength(0);
    });

    it('accepts a file of exactly 1 MiB', async () => {
        const api = mockFetch({
            'GET /status': [() => json(200, readyStatus())],
            'PUT /icons/outline': [() => json(200, {custom: true})],
        });
        render(<TeamsAppPackageSection/>);
        await screen.findAllByText('Using the default icon.');

        choose(fileInput(OUTLINE_LABEL), png('max.png', MAX_ICON_BYTES));

        await waitFor(() => expect(api.callsTo('PUT', '/icons/outline')).toHaveLength(1));
    });

    it('offers Remove only for a custom icon, and removing sends DELETE with the CSRF token', async () => {
        document.cookie = 'MMCSRF=tok';
        const api = mockFetch({
            'GET /status': [
                () => json(200, readyStatus({icons: {color: {custom: true}, outline: {custom: false}}})),
                () => json(200, readyStatus()),
            ],
            'DELETE /icons/color': [() => json(200, {custom: false})],
        });
        render(<TeamsAppPackageSection/>);

        const remove = await within(group(COLOR_LABEL)).findByRole('button', {name: 'Remove color icon'});
        expect(remove.textContent).toBe('Remove');
        expect(within(group(OUTLINE_LABEL)).queryByRole('button')).toBeNull();
        expect(screen.getAllByRole('button', {name: /Remove/})).toHaveLength(1);

        fireEvent.click(remove);

        await waitFor(() => expect(within(group(COLOR_LABEL)).queryByRole('button')).toBeNull());
        const [del] = api.callsTo('DELETE', '/icons/color');
        expect(del.url).toBe(`${API}/icons/color`);
        expect(del.headers.get('X-CSRF-Token')).toBe('tok');
        expect(del.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
        expect(api.callsTo('GET', '/status')).toHaveLength(2);
        expect(within(group(COLOR_LABEL)).getByRole('img').getAttribute('src')).toMatch(/\?v=\d+$/);
    });

    it('shows a failed removal inline and keeps the icon', async () => {
        mockFetch({
            'GET /status': [() => json(200, readyStatus({icons: {color: {custom: false}, outline: {custom: true}}}))],
            'DELETE /icons/outline': [() => json(500, {error: 'The icon could not be removed; see the server log.'})],
        });
        render(<TeamsAppPackageSection/>);

        fireEvent.click(await screen.findByRole('button', {name: 'Remove outline icon'}));

        const alert = await within(group(OUTLINE_LABEL)).findByRole('alert');
        expect(alert.textContent).toBe('The icon could not be removed; see the server log.');
        expect(screen.getByRole('button', {name: 'Remove outline icon'})).toBeTruthy();
    });

    it('uses window.basename for uploads and previews', async () => {
        window.basename = '/sub';
        const api = mockFetch({'PUT /icons/outline': [() => json(200, {custom: true})]}, `/sub${API}`);
        const onChanged = vi.fn();
        render(
            <IconUploader
                kind='outline'
                label={OUTLINE_LABEL}
                onChanged={onChanged}
            />,
        );
        expect(screen.getByRole('img').getAttribute('src')).toBe(`/sub${API}/icons/outline`);

        choose(fileInput(OUTLINE_LABEL), png());

        await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
        expect(api.calls.map((c) => c.url)).toEqual([`/sub${API}/icons/outline`]);
        expect(screen.getByRole('img').getAttribute('src')).toMatch(new RegExp(`^/sub${API}/icons/outline\\?v=\\d+$`));
    });

    it('turns the controls off when the setting is disabled', () => {
        mockFetch({});
        render(
            <IconUploader
                kind='color'
                label={COLOR_LABEL}
                custom={true}
                disabled={true}
                onChanged={vi.fn()}
            />,
        );

        expect(fileInput(COLOR_LABEL).disabled).toBe(true);
        expect((screen.getByRole('button', {name: 'Remove color icon'}) as HTMLButtonElement).disabled).toBe(true);
    });
});
