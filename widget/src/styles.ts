/**
 * The widget's styles, inside its shadow root: the site's CSS cannot reach in, and these rules cannot
 * reach out. `all: initial` on the host stops inherited properties (font, color, line height) leaking in;
 * `!important` on the host's placement wins over any rule of the page that matches the host element.
 */
export const STYLES = `
:host{all:initial !important;display:block !important;position:fixed !important;right:16px !important;bottom:16px !important;z-index:2147483000 !important;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328}
*{box-sizing:border-box;font:inherit;color:inherit}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
button{cursor:pointer;border:0;border-radius:8px;padding:8px 14px;background:#0b57d0;color:#fff;font-weight:600}
button:hover{background:#0842a0}
button[disabled]{background:#8a8f98;cursor:default}
.launcher{border-radius:24px;padding:12px 20px;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.panel{display:flex;flex-direction:column;width:min(360px,calc(100vw - 32px));height:min(520px,calc(100vh - 96px));margin-bottom:12px;background:#fff;border:1px solid #d0d7de;border-radius:12px;box-shadow:0 8px 28px rgba(0,0,0,.25);overflow:hidden}
[hidden]{display:none !important}
header{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;background:#0b57d0;color:#fff}
h2{margin:0;font-size:16px;font-weight:700;color:#fff}
.close{background:transparent;padding:4px 8px;font-size:20px;line-height:1}
.close:hover{background:rgba(255,255,255,.2)}
.status{margin:0;padding:6px 14px;font-size:13px;color:#57606a;border-bottom:1px solid #eaeef2;min-height:1.45em}
.status[data-state=reconnecting],.status[data-state=offline]{color:#9a6700;background:#fff8c5}
ol{list-style:none;margin:0;padding:12px 14px;flex:1;overflow-y:auto;display:flex;flex-direction:column;gap:8px}
li{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}
li[data-from=visitor]{align-self:flex-end;background:#ddf4ff}
li[data-from=agent]{align-self:flex-start;background:#f6f8fa;border:1px solid #d0d7de}
li[data-status=pending]{opacity:.7}
li[data-status=failed]{background:#ffebe9}
.meta{display:block;font-size:11px;color:#57606a;margin-top:2px}
.notice{margin:0 14px 8px;padding:6px 10px;border-radius:6px;background:#ffebe9;color:#82071e;font-size:13px}
.expired{padding:14px;border-top:1px solid #eaeef2}
.expired p{margin:0 0 10px}
form{display:flex;flex-direction:column;gap:8px;padding:10px 14px;border-top:1px solid #eaeef2}
.who{display:flex;gap:8px}
label{display:flex;flex-direction:column;gap:2px;font-size:12px;color:#57606a;flex:1}
input,textarea{width:100%;padding:7px 9px;border:1px solid #8c959f;border-radius:6px;background:#fff;color:#1f2328}
textarea{resize:none}
.row{display:flex;gap:8px;align-items:flex-end}
.row label{flex:1}
.hidden-label{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
