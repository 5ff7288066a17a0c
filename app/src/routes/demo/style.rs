//! The demo shop's one style sheet, inlined in every page (no extra request, works offline).

pub(super) const STYLE: &str = r"
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1f2328;background:#fafafa}
a{color:#1d4ed8}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.skip{position:absolute;left:-999px;top:8px;background:#fff;color:#1f2328;padding:6px 10px;border-radius:6px}
.skip:focus{left:8px}
header{background:#1f2328;color:#fff;padding:14px 32px;display:flex;flex-wrap:wrap;gap:12px 28px;align-items:center}
header h1{margin:0;font-size:22px} header h1 a{color:#fff;text-decoration:none}
header form{display:flex;gap:6px;align-items:center;flex:1;min-width:260px;max-width:520px}
header label{font-size:13px;color:#c9d1d9}
header input{flex:1;padding:7px 10px;border-radius:6px;border:1px solid #6b7280;font-size:14px}
header nav a{color:#e5e7eb;margin-right:14px;font-size:14px}
main{padding:20px 32px;max-width:1200px}
h2{font-size:18px;margin:28px 0 12px}
.muted{color:#57606a}
.small{font-size:12px}
.stats{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:24px}
.stat{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px;min-width:120px}
.stat b{display:block;font-size:22px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:14px}
.card{display:block;color:inherit;text-decoration:none;background:#fff;border:1px solid #e5e7eb;border-radius:8px;overflow:hidden;font-size:13px}
.card:hover{border-color:#9ca3af}
.card .art{display:block;width:100%;height:120px}
.card div.body{padding:8px 10px}
.card .title{font-weight:600;margin-bottom:4px}
.reason{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;margin-top:4px;background:#e0e7ff;color:#3730a3}
.explore{background:#fae8ff;color:#86198f}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;margin-top:4px}
.out{background:#fee2e2;color:#991b1b}.low{background:#fef3c7;color:#92400e}.ok{background:#dcfce7;color:#166534}
.hero{display:flex;flex-wrap:wrap;gap:28px;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:20px}
.hero .art{width:300px;height:300px;border-radius:8px}
.hero .info{flex:1;min-width:260px}
.hero h2{margin-top:0;font-size:22px}
.price{font-size:20px;font-weight:600}
.field{display:flex;flex-direction:column;gap:4px;margin:10px 0;font-size:14px;max-width:320px}
.field select,.field input{padding:7px 8px;border-radius:6px;border:1px solid #9ca3af;font-size:14px}
button,.button{background:#1f2328;color:#fff;border:0;border-radius:6px;padding:8px 16px;font-size:14px;cursor:pointer;text-decoration:none;display:inline-block}
button.link{background:none;color:#b91c1c;padding:4px 6px;text-decoration:underline}
.crumbs ol{list-style:none;display:flex;flex-wrap:wrap;gap:6px;padding:0;margin:0 0 14px;font-size:13px}
.crumbs li+li::before{content:'›';margin-right:6px;color:#6b7280}
.depts{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.dept{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;font-size:13px}
.dept h3{margin:0 0 6px;font-size:14px} .dept a{color:#1f2328}
.toolbar{display:flex;flex-wrap:wrap;gap:12px;align-items:end;justify-content:space-between;margin-bottom:14px}
.toolbar .field{margin:0}
.pages{display:flex;gap:14px;align-items:center;margin:18px 0}
table.cart{background:#fff;border:1px solid #e5e7eb;border-radius:8px;border-collapse:collapse;min-width:520px}
table.cart caption{text-align:left;padding:0 0 6px}
table.cart th{text-align:left;font-size:13px;padding:8px 12px;color:#57606a}
table.cart td{padding:8px 12px;border-top:1px solid #f0f0f0;font-size:14px;vertical-align:middle}
table.cart td form{display:inline-flex;gap:6px;align-items:center}
table.cart input{width:64px;padding:5px;border-radius:6px;border:1px solid #9ca3af}
.panel{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px 20px;max-width:640px}
details.debug{margin-top:28px;font-size:12px;color:#57606a}
";
