import {defineConfig} from 'vitest/config';

export default defineConfig({
    // Classic JSX (React.createElement), matching tsconfig and build.mjs, so
    // the bundle only needs the host's window.React.
    esbuild: {
        jsx: 'transform',
        jsxFactory: 'React.createElement',
        jsxFragment: 'React.Fragment',
    },
    test: {
        environment: 'jsdom',
        include: ['src/**/*.test.{ts,tsx}'],
        restoreMocks: true,
        unstubGlobals: true,
    },
});
