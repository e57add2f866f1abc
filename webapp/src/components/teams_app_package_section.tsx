import React from 'react';

import type {AdminConsoleSectionProps} from '../types';

const HEADING_ID = 'missioncollab-m365-teams-app-package-heading';
const NOTE_ID = 'missioncollab-m365-teams-app-package-note';

const sectionStyle: React.CSSProperties = {
    padding: '16px 0',
};

const noteStyle: React.CSSProperties = {
    marginTop: 8,
    fontSize: 12,
    opacity: 0.72,
};

// System Console section for the Teams app package. The package download is
// not available yet, so the button stays disabled for now.
export function TeamsAppPackageSection(_props: AdminConsoleSectionProps) {
    return (
        <section
            aria-labelledby={HEADING_ID}
            style={sectionStyle}
        >
            <h3 id={HEADING_ID}>{'Teams app package'}</h3>
            <p>
                {'After saving the settings above, download the Teams app package (a ZIP file) here, ' +
                    'then upload it in the Teams admin center under Teams apps > Manage apps > Upload new app.'}
            </p>
            <button
                type='button'
                className='btn btn-secondary'
                disabled={true}
                aria-describedby={NOTE_ID}
            >
                {'Download Manifest'}
            </button>
            <p
                id={NOTE_ID}
                style={noteStyle}
            >
                {'The download arrives with the Teams app package feature.'}
            </p>
        </section>
    );
}

export default TeamsAppPackageSection;
