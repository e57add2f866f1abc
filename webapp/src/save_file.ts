// How long the object URL of a download outlives the click. Browsers start
// reading a blob: download asynchronously, and some fail if it is revoked at
// once; keeping a small ZIP for a while costs little.
export const REVOKE_DELAY_MS = 30_000;

// Hands a blob to the browser as a file download, without navigating.
export function saveFile(blob: Blob, fileName: string): void {
    const url = URL.createObjectURL(blob);
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = fileName;
    anchor.rel = 'noopener';
    anchor.style.display = 'none';
    document.body.appendChild(anchor);
    try {
        anchor.click();
    } finally {
        anchor.remove();
        setTimeout(() => URL.revokeObjectURL(url), REVOKE_DELAY_MS);
    }
}
