// Opens the store given on the command line and applies the test migrations; used to race
// several processes against one file.
import { applyMigrations, openDatabase } from '../src/index.ts';
import { raceMigrations } from './race-migrations.ts';

const database = openDatabase({ path: process.argv[2] ?? '' });
const applied = applyMigrations(database, raceMigrations);
database.close();
process.stdout.write(JSON.stringify(applied));
