/** The console shell: the login gate, the navigation and the current page. */
import { useMemo, useState } from 'preact/hooks';
import { ConsoleApi } from './api.ts';
import { href, useRoute } from './router.ts';
import { PAGES } from './sections.ts';
import { ApiContext, ErrorNote, useAction } from './ui.tsx';

function Login({ api, onLogin }: { api: ConsoleApi; onLogin: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void login.run(() => api.login(username, password)).then((ok) => ok && onLogin());
  };
  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-label="Console login">
        <h1>Tether console</h1>
        <label>
          Username
          <input
            autocomplete="username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={login.busy}>
          Log in
        </button>
        <ErrorNote error={login.error} />
      </form>
    </main>
  );
}

/** The whole console. */
export function App() {
  const [, setVersion] = useState(0);
  const refresh = () => setVersion((v) => v + 1);
  const api = useMemo(() => new ConsoleApi(refresh), []);
  const route = useRoute();
  if (!api.loggedIn) return <Login api={api} onLogin={refresh} />;
  const page = PAGES.find((p) => p.id === route.page) ?? PAGES[0]!;
  const Page = page.component;
  return (
    <ApiContext.Provider value={api}>
      <div class="shell">
        <nav aria-label="Console">
          <div class="brand">Tether</div>
          {PAGES.map((p) => (
            <a key={p.id} href={href(p.id)} class={p.id === page.id ? 'active' : undefined}>
              {p.title}
            </a>
          ))}
          <button type="button" class="link" onClick={() => void api.logout()}>
            Log out
          </button>
        </nav>
        <main>
          <h1>{page.title}</h1>
          <Page key={page.id} params={route.page === page.id ? route.params : []} />
        </main>
      </div>
    </ApiContext.Provider>
  );
}
