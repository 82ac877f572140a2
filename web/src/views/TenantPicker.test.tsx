import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { fakeApi } from "../test/fakeApi";
import { TenantPicker } from "./TenantPicker";

describe("TenantPicker", () => {
  it("waits for the tenant list, then offers one list to choose from", async () => {
    const { api } = fakeApi({ "/api/admin/tenants": { items: [{ id: "c-1", name: "acme" }], next_cursor: null } }, { role: "admin" });
    const onPick = vi.fn();
    render(<TenantPicker api={api} current={null} onPick={onPick} />);
    expect(screen.getByText(/Loading tenants/)).toBeInTheDocument();
    const select = await screen.findByLabelText("Tenant");
    expect(select.tagName).toBe("SELECT");
    expect(screen.queryByLabelText("Tenant id")).toBeNull();
    fireEvent.change(select, { target: { value: "c-1" } });
    expect(onPick).toHaveBeenCalledWith("c-1", "acme");
  });

  it("asks for the id when the gateway has no tenant list", async () => {
    const { api } = fakeApi({}, { role: "admin" });
    const onPick = vi.fn();
    render(<TenantPicker api={api} current={null} onPick={onPick} />);
    fireEvent.change(await screen.findByLabelText("Tenant id"), { target: { value: "c-9" } });
    fireEvent.click(screen.getByRole("button", { name: "Show" }));
    expect(onPick).toHaveBeenCalledWith("c-9");
  });
});
