"""The parity dashboard: one static, self-contained HTML file (no network, no external assets).

The report and history are embedded as JSON; a small script renders the summary,
the gate line, the component × pipeline matrix (with filters), failures and
mismatches with reasons, a chart of onnx_ir/legacy conversion-time ratios and the
run history. Element ids and ``data-*`` attributes are stable: the Chromium test
reads them back and compares with ``report.json``.
"""

from __future__ import annotations

import html
import json

__all__ = ["render_html"]

_STYLE = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}
.ok{background:#e3f6e3}.bad{background:#fbe1e1}.part{background:#fff3d6}
#gate.pass{color:#176f17}#gate.fail{color:#a01515}
.reason{font-family:monospace;font-size:12px;white-space:pre-wrap}
"""

_SCRIPT = r"""
(function(){
const R = JSON.parse(document.getElementById('report-data').textContent);
const H = JSON.parse(document.getElementById('history-data').textContent);
const G = R.gate || {passed:false, conditions:[]};
function el(tag, attrs, text){const e=document.createElement(tag);
  for(const k in (attrs||{})) e.setAttribute(k, attrs[k]); if(text!==undefined) e.textContent=text; return e;}
// summary
const S = document.getElementById('summary');
const rows = [['testcases','testcases',R.counts.testcases]];
for (const p of ['legacy','onnx_ir']) for (const s of ['passed','failed','error','xfailed','xpassed','skipped','missing'])
  rows.push([p+'.'+s, p+' '+s, R.counts[p][s]]);
for (const k of ['conversions','agree','mismatch','other_failed','numeric_skipped','cases_with_mismatch'])
  rows.push(['shadow.'+k, 'shadow '+k.replace(/_/g,' '), R.counts.shadow[k]]);
const st = el('table'); for (const [key,label,val] of rows){const tr=el('tr');
  tr.appendChild(el('th',{},label)); tr.appendChild(el('td',{'data-key':key},String(val))); st.appendChild(tr);} S.appendChild(st);
// gate
const gate = document.getElementById('gate');
gate.className = G.passed ? 'pass' : 'fail';
gate.setAttribute('data-passed', String(G.passed));
gate.textContent = 'Gate: ' + (G.passed ? 'PASS' : 'FAIL') + ' — ' +
  G.conditions.map(c => (c.passed?'✔ ':'✘ ') + c.name + ' (' + c.detail + ')').join('; ');
const gd = document.getElementById('gate-cases');
for (const c of G.conditions) if (!c.passed && c.cases.length){ const d=el('details'); d.appendChild(el('summary',{},c.name+': '+c.cases.length+' case(s)'));
  d.appendChild(el('div',{'class':'reason'},c.cases.join('\n'))); gd.appendChild(d);}
// matrix
const M = document.getElementById('matrix'); const filt = document.getElementById('filter'); const gaps = document.getElementById('only-gaps');
function cls(p){return p.total===0?'':(p.passed===p.total?'ok':(p.passed===0?'bad':'part'));}
function drawMatrix(){
  M.innerHTML=''; const head=el('tr'); for (const h of ['component','family','legacy','onnx_ir','mismatches']) head.appendChild(el('th',{},h)); M.appendChild(head);
  const q = filt.value.toLowerCase();
  for (const [name, c] of Object.entries(R.components)){
    const gap = c.onnx_ir.passed < c.legacy.passed || c.mismatch > 0 || c.legacy.passed < c.legacy.total;
    if (q && !(name.toLowerCase().includes(q) || c.family.toLowerCase().includes(q))) continue;
    if (gaps.checked && !gap) continue;
    const tr = el('tr',{'data-component':name}); tr.appendChild(el('td',{},name)); tr.appendChild(el('td',{},c.family));
    for (const p of ['legacy','onnx_ir']) tr.appendChild(el('td',{'data-pipeline':p,'class':cls(c[p])}, c[p].passed+'/'+c[p].total));
    tr.appendChild(el('td',{'data-mismatch':'', 'class': c.mismatch? 'bad':''}, String(c.mismatch))); M.appendChild(tr);}
}
filt.addEventListener('input', drawMatrix); gaps.addEventListener('change', drawMatrix); drawMatrix();
// failures and mismatches
const F = document.getElementById('failures'); let nf = 0;
for (const c of R.cases){
  const reasons = [];
  for (const p of ['legacy','onnx_ir']) if (!['passed','skipped'].includes(c[p].status)) reasons.push(p+' '+c[p].status+(c[p].message?': '+c[p].message:''));
  for (const d of c.shadow.diffs) reasons.push('shadow: '+d);
  if (!reasons.length) continue; nf++;
  const tr = el('tr',{'data-case':c.id}); tr.appendChild(el('td',{},c.id)); tr.appendChild(el('td',{'class':'reason'},reasons.join('\n'))); F.appendChild(tr);}
document.getElementById('failure-count').textContent = String(nf);
// timing chart: one bar per model example, a line at the allowed ratio
const T = R.timing, ex = T.examples.slice().sort((a,b)=>b.ratio-a.ratio);
const C = document.getElementById('chart'); const NS='http://www.w3.org/2000/svg';
const w=720, bh=16, left=260, top=10, h=top+bh*ex.length+30; const maxr=Math.max(2, ...ex.map(e=>e.ratio));
const svg=document.createElementNS(NS,'svg'); svg.setAttribute('width',w); svg.setAttribute('height',h);
const x = r => left + (w-left-20)*r/maxr;
ex.forEach((e,i)=>{const y=top+i*bh; const r=document.createElementNS(NS,'rect');
  r.setAttribute('x',left); r.setAttribute('y',y); r.setAttribute('height',bh-3); r.setAttribute('width',Math.max(1,x(e.ratio)-left));
  r.setAttribute('fill', e.ratio<=T.max_ratio?'#4a9a4a':'#c44'); r.setAttribute('data-ratio', e.ratio.toFixed(3)); svg.appendChild(r);
  const t=document.createElementNS(NS,'text'); t.setAttribute('x',4); t.setAttribute('y',y+bh-5); t.setAttribute('font-size','11');
  t.textContent=e.id+' '+e.ratio.toFixed(2)+'x'; svg.appendChild(t);});
const ln=document.createElementNS(NS,'line'); ln.setAttribute('x1',x(T.max_ratio)); ln.setAttribute('x2',x(T.max_ratio));
ln.setAttribute('y1',0); ln.setAttribute('y2',h-20); ln.setAttribute('stroke','#000'); ln.setAttribute('stroke-dasharray','4 3'); svg.appendChild(ln);
C.appendChild(svg);
document.getElementById('timing-summary').textContent = T.median_ratio===null ? 'no timing data' :
  'median onnx_ir/legacy ratio over '+ex.length+' model examples: '+T.median_ratio.toFixed(3)+' (allowed '+T.max_ratio.toFixed(2)+')';
// history
const HT = document.getElementById('history'); const hh=el('tr');
for (const h of ['run','green','testcases','legacy passed','onnx_ir passed','mismatches','median ratio']) hh.appendChild(el('th',{},h)); HT.appendChild(hh);
for (const h of H.slice().reverse()){ const tr=el('tr',{'data-run':h.generated_at,'class':h.green?'ok':'bad'});
  for (const v of [h.generated_at, h.green?'yes':'no', h.testcases, h.legacy_passed, h.onnx_ir_passed, h.mismatches,
                   h.median_ratio===null?'-':h.median_ratio.toFixed(3)]) tr.appendChild(el('td',{},String(v))); HT.appendChild(tr);}
document.body.setAttribute('data-rendered','1');
})();
"""


def _embed(obj) -> str:
    # JSON inside <script>: keep "</" from closing the element early
    return json.dumps(obj, sort_keys=True, default=str).replace("</", "<\\/")


def render_html(report: dict, history: list[dict]) -> str:
    """The dashboard for ``report`` (with ``report['gate']``) and the run ``history``."""
    title = f"jax2onnx parity — {report.get('generated_at', '')}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p id="gate"></p><div id="gate-cases"></div>
<h2>Summary</h2><div id="summary"></div>
<h2>Component × pipeline</h2>
<p><label>filter <input id="filter" type="search" placeholder="component or family"></label>
<label><input id="only-gaps" type="checkbox"> only components with gaps</label></p>
<table id="matrix"></table>
<h2>Failures and mismatches (<span id="failure-count"></span>)</h2>
<table id="failures"></table>
<h2>Conversion time: onnx_ir / legacy</h2><p id="timing-summary"></p><div id="chart"></div>
<h2>History</h2><table id="history"></table>
<p class="reason">{html.escape(report.get('command', ''))}</p>
<script id="report-data" type="application/json">{_embed(report)}</script>
<script id="history-data" type="application/json">{_embed(history)}</script>
<script>{_SCRIPT}</script>
</body></html>
"""
