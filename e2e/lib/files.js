"use strict";

// File helpers: random content for FileController.sendFile and a recorder for the
// package's FileClient (multipart uploads and arraybuffer downloads are summarised
// instead of dumped, so failure messages stay readable).

const { randomBytes } = require("node:crypto");
const { CoreDate } = require("@nmshd/core-types");
const { CoreBuffer } = require("@nmshd/crypto");

/** `size` random bytes as a Buffer and as the CoreBuffer the package takes. */
function randomContent(size) {
    const bytes = randomBytes(size);
    return { bytes, buffer: new CoreBuffer(new Uint8Array(bytes)) };
}

/** FileController.sendFile with random content (default 300 KiB); returns { file, bytes }. */
async function sendRandomFile(account, { size = 300 * 1024, filename = "random.bin", title = "e2e file" } = {}) {
    const { bytes, buffer } = randomContent(size);
    const file = await account.files.sendFile({
        buffer,
        filename,
        title,
        mimetype: "application/octet-stream",
        expiresAt: CoreDate.utc().add({ minutes: 10 })
    });
    return { file, bytes };
}

function summarise(data) {
    if (data === undefined || data === null) return data;
    if (typeof data === "string") {
        try {
            return JSON.parse(data);
        } catch (_) {
            return data.length > 200 ? `${data.slice(0, 200)}…` : data;
        }
    }
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
        const buf = Buffer.from(data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
        const text = buf.subarray(0, 300).toString("utf8");
        if (/^\s*[{[]/.test(text)) {
            try {
                return { bytes: buf.length, json: JSON.parse(buf.toString("utf8")) };
            } catch (_) {
                /* fall through */
            }
        }
        return { bytes: buf.length };
    }
    if (typeof data.getBoundary === "function") {
        // form-data: list the part headers only
        const parts = (data._streams ?? []).filter((s) => typeof s === "string" && s.startsWith("--")).map((s) => s.replace(/\r\n/g, " ").trim());
        return { multipart: parts };
    }
    try {
        return structuredClone(data);
    } catch (_) {
        return String(data);
    }
}

/** Like lib/sync.js recordExchanges, for a FileClient (same entry shape; `headers` of the response added). */
function recordFileExchanges(client, label, exchanges = []) {
    const entry = (config) => ({
        label,
        method: (config.method ?? "").toUpperCase(),
        url: config.url,
        params: summarise(config.params),
        requestBody: summarise(config.data)
    });
    client.axiosInstance.interceptors.response.use(
        (response) => {
            exchanges.push({ ...entry(response.config), status: response.status, contentType: response.headers?.["content-type"], responseBody: summarise(response.data) });
            return response;
        },
        (error) => {
            if (error.config) {
                exchanges.push({ ...entry(error.config), status: error.response?.status, responseBody: summarise(error.response?.data), error: error.message });
            }
            return Promise.reject(error);
        }
    );
    return exchanges;
}

module.exports = { randomContent, sendRandomFile, recordFileExchanges };
