import {cleanup, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, describe, expect, it} from 'vitest';

import {TeamsAppPackageSection} from './teams_app_package_section';

describe('TeamsAppPackageSection', () => {
    afterEach(() => {
        cleanup();
    });

    it('shows a labelled section with the Teams app package heading', () => {
        render(<TeamsAppPackageSection/>);

        const heading = screen.getByRole('heading', {name: 'Teams app package'});
        expect(heading).toBeTruthy();

        // The heading names the section, so it is a landmark region.
        const region = screen.getByRole('region', {name: 'Teams app package'});
        expect(region.contains(heading)).toBe(true);
    });

    it('explains where to upload the package in the Teams admin center', () => {
        render(<TeamsAppPackageSection/>);

        expect(screen.getByText(/After saving the settings above/).textContent).toContain(
            'Teams apps > Manage apps > Upload new app',
        );
    });

    it('renders a disabled Download Manifest button with a note', () => {
        render(
            <TeamsAppPackageSection
                config={{}}
                disabled={false}
            />,
        );

        const button = screen.getByRole('button', {name: 'Download Manifest'}) as HTMLButtonElement;
        expect(button.disabled).toBe(true);
        expect(button.getAttribute('aria-describedby')).toBeTruthy();

        const note = document.getElementById(button.getAttribute('aria-describedby') as string);
        expect(note?.textContent).toBe('The download arrives with the Teams app package feature.');
    });
});
