// The oli-api application: every route is mounted here.
import express from './http/express.js';
import health from './routes/health.js';
import withings from './routes/integrations.withings.js';
import users from './routes/users.js';

const app = express();
app.use(health);
app.use('/integrations/withings', withings);
app.use('/users', users);

export default app;
