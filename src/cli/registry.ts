/* One line per subcommand; each module default-exports a Command. */
import { register } from './commands';

void register;
