"""The style sheet and the script of the HTML report (inline, allowed by hash in its CSP)."""

from __future__ import annotations

CSS = """
:root{--ink:#1b2230;--muted:#5b6475;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;--p0:#b42318;--p1:#c4570c;
--p2:#8a6d0b;--ok:#2e7d32;--partly:#b26a00;--na:#6b7280;--nas:#7c3aed;--accent:#1d4ed8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:0 24px 48px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.86em}
h2{font-size:1.15rem;margin:0 0 12px;letter-spacing:.01em}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 22px;margin:18px 0}
.answer{background:#101828;color:#fff;padding:28px 0 26px}
.answer .inner{max-width:1180px;margin:0 auto;padding:0 24px}
.overline{text-transform:uppercase;letter-spacing:.12em;font-size:.75rem;color:#98a2b3;margin:0}
.answer h1{font-size:1.75rem;margin:4px 0 6px;word-break:break-word}
.meta{color:#cfd4dc;font-size:.9rem;margin:0}
.meta span{white-space:nowrap}
.verdict{display:flex;gap:16px;align-items:center;margin:18px 0 0;padding:14px 16px;border-radius:10px;
background:#1d2939;border-left:6px solid var(--ok)}
.verdict.P0{border-color:var(--p0)}.verdict.P1{border-color:var(--p1)}.verdict.P2{border-color:var(--p2)}
.verdict p{margin:0;font-size:1.08rem;font-weight:600}
.verdict .sub{font-weight:400;color:#cfd4dc;font-size:.9rem;margin-top:2px}
.kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin-top:16px}
.kpi{background:#1d2939;border-radius:8px;padding:10px 12px}
.kpi b{display:block;font-size:1.5rem;line-height:1.2}
.kpi span{color:#98a2b3;font-size:.78rem;text-transform:uppercase;letter-spacing:.06em}
.kpi.P0 b{color:#fda29b}.kpi.P1 b{color:#fdb022}.kpi.P2 b{color:#fde272}
.pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:.78rem;font-weight:700;color:#fff;
white-space:nowrap}
.pill.P0{background:var(--p0)}.pill.P1{background:var(--p1)}.pill.P2{background:var(--p2)}
.pill.none{background:var(--ok)}
.status{display:inline-block;border-radius:6px;padding:1px 8px;font-size:.8rem;font-weight:600;white-space:nowrap;
border:1px solid currentColor}
.status.assessed{color:var(--ok)}.status.partly-assessed{color:var(--partly)}
.status.not-applicable{color:var(--na)}.status.not-assessed{color:var(--nas)}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.78rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;white-space:nowrap}
.matrix td.n{font-weight:700;color:var(--muted);width:2.2em}
.matrix .class{font-weight:600}.matrix td:nth-child(2){min-width:13em}
.matrix .count{text-align:center;width:3.8em;font-variant-numeric:tabular-nums}
.matrix td.count{overflow-wrap:normal;white-space:nowrap}
.count b{display:inline-block;min-width:1.9em;white-space:nowrap;border-radius:6px;padding:0 4px;color:#fff}
.count b.P0{background:var(--p0)}.count b.P1{background:var(--p1)}.count b.P2{background:var(--p2)}
.count .zero{color:#b0b6c1}
.reasons{margin:0;padding:0;list-style:none;color:var(--muted);font-size:.86rem}
.reasons li+li{margin-top:2px}
.paths .path{border-top:1px solid var(--line);padding:14px 0 6px}
.paths .path:first-of-type{border-top:0;padding-top:0}
.path h3{font-size:.98rem;margin:0 0 8px;font-weight:600}
.scroll{overflow-x:auto;padding-bottom:6px}
.path-graph.v{display:none}
.path-graph text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin-bottom:10px}
.controls input[type=search]{flex:1 1 240px;padding:7px 10px;border:1px solid #c9ced6;border-radius:8px;font:inherit}
.controls label{font-size:.88rem;color:var(--muted);white-space:nowrap}
.controls select{max-width:100%;padding:6px;border:1px solid #c9ced6;border-radius:8px;font:inherit;background:#fff}
#shown{margin-left:auto;color:var(--muted);font-size:.86rem}
.findings th[data-sort]{cursor:pointer;user-select:none}
.findings th[data-sort]::after{content:" \\2195";color:#c0c5cf}
.findings th.asc::after{content:" \\2191";color:var(--ink)}.findings th.desc::after{content:" \\2193";color:var(--ink)}
.findings td.loc{overflow-wrap:anywhere;min-width:170px;max-width:280px}
.findings td.msg{min-width:280px}
.findings .rule{display:block;color:var(--muted);font-size:.8rem}
.findings details summary{cursor:pointer;color:var(--accent);font-size:.82rem;margin-top:4px}
pre{background:#f2f4f7;border:1px solid var(--line);border-radius:6px;padding:8px 10px;overflow-x:auto;
font-size:.8rem;margin:6px 0 0;white-space:pre-wrap;word-break:break-word}
.new{color:var(--p1);font-weight:700;font-size:.78rem}
.since{white-space:nowrap;font-size:.86rem;color:var(--muted)}
.empty{color:var(--muted);font-style:italic}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 18px;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-all}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px}
td{overflow-wrap:anywhere}
.legend{display:flex;gap:16px;font-size:.84rem;color:var(--muted);margin-top:6px}
.legend i{display:inline-block;width:12px;height:3px;border-radius:2px;margin-right:6px;vertical-align:middle}
.legend .l0{background:var(--p0)}.legend .l1{background:var(--p1)}.legend .l2{background:var(--p2)}
footer{color:var(--muted);font-size:.82rem;text-align:center;margin-top:24px}
[hidden]{display:none!important}
@media (max-width:820px){
 main{padding:0 12px 32px}.answer .inner{padding:0 14px}.answer h1{font-size:1.35rem}
 .kpis{grid-template-columns:repeat(3,1fr)}.cols{grid-template-columns:minmax(0,1fr)}
 dl.facts{grid-template-columns:minmax(0,1fr);gap:0}dl.facts dd{margin-bottom:6px}
 section{padding:16px 14px}
 .matrix thead{display:none}.matrix tr{display:grid;grid-template-columns:2em 1fr auto auto auto;grid-auto-flow:row dense;gap:2px 8px;
  padding:10px 0;border-bottom:1px solid var(--line)}
 .matrix td{border:0;padding:0}.matrix td:nth-child(2){min-width:0}.matrix .count{width:auto}.matrix td.scope{grid-column:2/-1}.matrix td.st{grid-column:2/-1}
 .findings thead{display:none}
 .findings tr{display:block;border-bottom:1px solid var(--line);padding:10px 0}
 .findings td{display:block;border:0;padding:2px 0;max-width:none}
 .findings td.msg{min-width:0}
 .path-graph.h{display:none}.path-graph.v{display:block;width:100%;max-width:420px;height:auto}
}
@media print{
 body{background:#fff;font-size:10.5pt}.answer{background:#fff;color:#000;padding:0 0 8px}
 .answer .inner,main{max-width:none;padding:0}.overline,.meta,.verdict .sub,.kpi span{color:#333}
 .verdict,.kpi{background:#fff;border:1px solid #999}.kpi b{color:#000!important}
 section{border:0;padding:8px 0;margin:10px 0;break-inside:auto}
 .controls,.findings details summary{display:none}
 tr,.path{break-inside:avoid}.scroll{overflow:visible}
 .path-graph.h{display:none}.path-graph.v{display:block;max-width:55%;height:auto}
 .findings tr[hidden]{display:table-row!important}
 a{color:inherit;text-decoration:none}
}
"""

JS = """
(function(){
 var table=document.getElementById('findings-table');if(!table)return;
 var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
 var q=document.getElementById('q'),row=document.getElementById('row'),fresh=document.getElementById('fresh');
 var tiers=Array.prototype.slice.call(document.querySelectorAll('input[name=tier]'));
 var shown=document.getElementById('shown');
 function apply(){
  var text=(q.value||'').toLowerCase(),r=row.value,n=0;
  var on={};tiers.forEach(function(t){on[t.value]=t.checked;});
  rows.forEach(function(tr){
   var ok=on[tr.dataset.tier]&&(!r||tr.dataset.row===r)&&(!fresh.checked||tr.dataset.new==='1')&&
    (!text||tr.dataset.text.indexOf(text)>=0);
   tr.hidden=!ok;if(ok)n++;
  });
  shown.textContent='Showing '+n+' of '+rows.length;
 }
 [q,row,fresh].concat(tiers).forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
 Array.prototype.forEach.call(table.tHead.querySelectorAll('th[data-sort]'),function(th){
  th.addEventListener('click',function(){
   var key=th.dataset.sort,asc=!th.classList.contains('asc');
   Array.prototype.forEach.call(table.tHead.querySelectorAll('th'),function(h){h.classList.remove('asc','desc');});
   th.classList.add(asc?'asc':'desc');
   rows.sort(function(a,b){var x=a.dataset[key],y=b.dataset[key];
    var c=(key==='line'||key==='row')?(+x)-(+y):(x<y?-1:x>y?1:0);return asc?c:-c;});
   rows.forEach(function(tr){body.appendChild(tr);});
  });
 });
 window.addEventListener('beforeprint',function(){
  Array.prototype.forEach.call(document.querySelectorAll('details'),function(d){d.open=true;});
 });
 apply();
})();
"""
