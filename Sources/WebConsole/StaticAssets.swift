/// The console's stylesheet and its one small script, served from memory: nothing to install, no CDN, works offline.
enum StaticAssets {
    static let css = """
    :root { --ink: #1d2430; --muted: #5b6573; --line: #d9dee5; --accent: #1f6feb; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8fa; }
    header { display: flex; align-items: center; gap: 16px; padding: 10px 24px; background: #fff; border-bottom: 1px solid var(--line); }
    header .brand { font-weight: 700; }
    header .pack { color: var(--muted); }
    header nav { margin-left: auto; display: flex; gap: 4px; }
    header nav a { padding: 6px 12px; border-radius: 6px; color: var(--ink); text-decoration: none; }
    header nav a.active { background: var(--accent); color: #fff; }
    main { padding: 16px 24px 48px; max-width: 1400px; }
    h1 { font-size: 20px; margin: 4px 0 12px; }
    h2 { font-size: 16px; margin: 20px 0 8px; }
    table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
    th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { background: #f0f3f6; font-weight: 600; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    .tabs { display: flex; gap: 4px; margin-bottom: 12px; }
    .tabs a { padding: 6px 12px; border: 1px solid var(--line); border-radius: 6px 6px 0 0; background: #fff; color: var(--ink); text-decoration: none; }
    .tabs a.active { border-bottom-color: #fff; font-weight: 600; }
    .tabs .count { display: inline-block; min-width: 20px; margin-left: 6px; padding: 0 6px; border-radius: 10px; background: #e7ecf2; text-align: center; }
    form.filters, .toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0 12px; }
    label { display: flex; flex-direction: column; gap: 2px; color: var(--muted); font-size: 12px; }
    input, select, button { font: inherit; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
    button { background: var(--accent); border-color: var(--accent); color: #fff; cursor: pointer; }
    button.secondary { background: #fff; color: var(--ink); border-color: var(--line); }
    button.danger { background: var(--bad); border-color: var(--bad); }
    button:disabled { opacity: .5; cursor: not-allowed; }
    form.inline { display: inline; }
    .notice { padding: 8px 12px; background: #dafbe1; border: 1px solid #aceebb; border-radius: 6px; }
    .problem { padding: 8px 12px; background: #ffebe9; border: 1px solid #ffcecb; border-radius: 6px; white-space: pre-wrap; }
    .warning { color: var(--warn); }
    .empty { color: var(--muted); }
    .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e7ecf2; }
    .badge.completed, .badge.Active, .badge.create { background: #dafbe1; color: var(--ok); }
    .badge.failed, .badge.Inactive, .badge.Timeout, .badge.error { background: #ffebe9; color: var(--bad); }
    .badge.pending, .badge.running, .badge.update { background: #fff8c5; color: var(--warn); }
    .error-text { color: var(--bad); white-space: pre-wrap; }
    .muted { color: var(--muted); }
    .columns { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; }
    .panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
    dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
    dl.fields dt { color: var(--muted); }
    dl.fields dd { margin: 0; }
    [title] { text-decoration: underline dotted var(--line); }
    .progress { height: 10px; background: #e7ecf2; border-radius: 5px; overflow: hidden; }
    .progress span { display: block; height: 100%; background: var(--accent); }
    """

    static let javascript = """
    // Progressive enhancement only: every page works without it.
    document.addEventListener('DOMContentLoaded', () => {
      for (const form of document.querySelectorAll('form[data-confirm]')) {
        form.addEventListener('submit', event => { if (!confirm(form.dataset.confirm)) event.preventDefault(); });
      }
      const all = document.getElementById('tick-all');
      const boxes = () => Array.from(document.querySelectorAll('input[type=checkbox][name=order]'));
      const create = document.getElementById('create-task');
      const counter = document.getElementById('ticked');
      const limit = Number(create ? create.dataset.limit : 150);
      const update = () => {
        const ticked = boxes().filter(box => box.checked).length;
        if (counter) counter.textContent = ticked + ' ticked' + (ticked > limit ? ' — at most ' + limit + ' orders make one task' : '');
        if (create) create.disabled = ticked === 0 || ticked > limit;
      };
      if (all) all.addEventListener('change', () => { for (const box of boxes()) box.checked = all.checked; update(); });
      for (const box of boxes()) box.addEventListener('change', update);
      update();
    });
    """
}
