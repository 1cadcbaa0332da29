import { register } from 'node:module';
register('./hide-hyparquet-hooks.mjs', import.meta.url);
