// Bundles the webapp into dist/main.js for the Mattermost server to serve.
// React and ReactDOM are not bundled: the Mattermost page provides them as
// window.React and window.ReactDOM, and plugins must share those instances.
import * as esbuild from 'esbuild';

const HOST_GLOBALS = {
    react: 'React',
    'react-dom': 'ReactDOM',
};

const NAMESPACE = 'mattermost-host-global';

const hostGlobalsPlugin = {
    name: 'mattermost-host-globals',
    setup(build) {
        build.onResolve({filter: /^react(-dom)?(\/.*)?$/}, (args) => {
            if (Object.hasOwn(HOST_GLOBALS, args.path)) {
                return {path: args.path, namespace: NAMESPACE};
            }

            // e.g. react/jsx-runtime or react-dom/client: these would pull a
            // second copy of React into the bundle.
            return {
                errors: [{text: `"${args.path}" cannot be bundled; import "react" or "react-dom" (host globals) instead`}],
            };
        });
        build.onLoad({filter: /.*/, namespace: NAMESPACE}, (args) => ({
            contents: `module.exports = window.${HOST_GLOBALS[args.path]};`,
            loader: 'js',
        }));
    },
};

await esbuild.build({
    entryPoints: ['src/index.tsx'],
    outfile: 'dist/main.js',
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    jsx: 'transform',
    jsxFactory: 'React.createElement',
    jsxFragment: 'React.Fragment',
    define: {'process.env.NODE_ENV': '"production"'},
    legalComments: 'none',
    logLevel: 'info',
    plugins: [hostGlobalsPlugin],
});
