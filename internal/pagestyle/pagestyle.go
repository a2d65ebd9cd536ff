// Package pagestyle is the look of the few pages the server renders itself rather than the web
// app (sign-in errors, the built-in sign-in form): the web app's colours and type, inline so that
// the pages need nothing else.
package pagestyle

// CSS styles a page of a header (a .brand link with a .mark) and one main card.
const CSS = `
:root { --blue: #000091; --blue-hover: #1212ff; --text: #161616; --muted: #555; --bg: #f6f6f6; --focus: #0a76f6;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', sans-serif;
  font-size: 16px; line-height: 1.5; color: var(--text); background: var(--bg); }
body { margin: 0; }
header { background: #fff; border-bottom: 1px solid #ddd; padding: .6rem 1.25rem; }
.brand { display: inline-flex; align-items: center; gap: .5rem; font-weight: 700; font-size: 1.25rem; color: var(--blue); text-decoration: none; }
.mark { width: 1.4rem; height: 1.4rem; border-radius: 4px; border: 1px solid #ddd; background: linear-gradient(90deg, var(--blue) 0 33%, #fff 33% 66%, #c9191e 66%); }
main { max-width: 34rem; margin: 3rem auto; padding: 1.5rem 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
h1 { font-size: 1.5rem; margin-top: 0; }
a { color: var(--blue); }
.actions { display: flex; gap: 1.25rem; align-items: center; flex-wrap: wrap; margin-top: 1.5rem; }
.button { background: var(--blue); color: #fff; padding: .6rem 1.2rem; border-radius: 8px; text-decoration: none; font-weight: 600; }
.button:hover { background: var(--blue-hover); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.code { color: var(--muted); font-size: .85rem; }

label { display: block; margin-top: 1rem; font-weight: 600; }
input { width: 100%; box-sizing: border-box; padding: .55rem .7rem; font: inherit; border: 1px solid #929292; border-radius: 6px; }
button { margin-top: 1.5rem; padding: .6rem 1.2rem; font: inherit; font-weight: 600; color: #fff; background: var(--blue); border: 0; border-radius: 8px; cursor: pointer; }
button:hover { background: var(--blue-hover); }
.warn { border-left: 4px solid #c9191e; background: #fff4f3; padding: .6rem 1rem; margin: 1rem 0; }
.err { color: #c9191e; font-weight: 600; }
`
